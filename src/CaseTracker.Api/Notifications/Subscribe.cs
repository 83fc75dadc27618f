using System.Security.Claims;
using System.Security.Cryptography;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Defendants;
using CaseTracker.Api.Http;
using CaseTracker.Api.Operations;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CaseTracker.Api.Notifications;

/// <param name="Kind"><c>case</c> or <c>defendant</c></param>
/// <param name="TargetId">the case or the person to follow</param>
/// <param name="WebhookUrl">an http(s) URL that receives each notification as a signed CloudEvent</param>
/// <param name="Secret">the key that signs webhook deliveries; one is generated (and answered once) when a webhook has none</param>
public record Subscribe(string? Kind, Guid? TargetId, string? WebhookUrl, string? Secret);

/// <summary>The new subscription; <see cref="Secret"/> only when the server generated it, and only in this answer.</summary>
public record Subscribed(Guid SubscriptionId, string Kind, Guid TargetId, string? WebhookUrl, long StartsAfter, string? Secret);

public static class SubscribeEndpoint
{
    public const int MinSecret = 16;
    public const int MaxSecret = 200;

    public static ProblemDetails Validate(Subscribe command) => new Validation()
        .OneOf("kind", command.Kind, SubscriptionKind.All)
        .Required("targetId", command.TargetId)
        .Text("webhookUrl", command.WebhookUrl, Validation.MaxText, required: false)
        .Rule(command.WebhookUrl is null || WebhookAddresses.IsWellFormed(command.WebhookUrl), "webhookUrl",
            "must be an absolute http or https URL without user information")
        .Rule(command.Secret is null || command.Secret.Length is >= MinSecret and <= MaxSecret, "secret",
            $"must be from {MinSecret} to {MaxSecret} characters")
        .Rule(command.Secret is null || command.WebhookUrl is not null, "secret", "signs webhook deliveries: give it with webhookUrl")
        .Result;

    /// <summary>
    /// Following a case or person the caller may not see answers exactly as an unknown id does, by
    /// the rules that answer for the case and the profile themselves; then the webhook's address.
    /// </summary>
    public static async Task<ProblemDetails> ValidateAsync(Subscribe command, IQuerySession session, ClaimsPrincipal user, WebhookAddresses addresses, CancellationToken ct)
    {
        var target = command.TargetId!.Value;
        if (command.Kind == SubscriptionKind.Case && !(await session.LoadAsync<CaseHeader>(target, ct)).Shows(user))
        {
            return Problems.NoCase(target);
        }

        if (command.Kind == SubscriptionKind.Defendant && await DefendantEndpoints.VisibleAsync(session, target, user, ct) is null)
        {
            return Problems.NoDefendant(target);
        }

        return command.WebhookUrl is { } url && await addresses.RefusalAsync(new Uri(url), ct) is { } refusal
            ? Problems.Invalid("webhookUrl", refusal)
            : WolverineContinue.NoProblems;
    }

    /// <summary>Follows a case or a person for the calling user.</summary>
    /// <remarks>
    /// The subscription covers every event recorded after it: for a case, each event of that case;
    /// for a person, each event naming them in any case. Each is shown to the subscriber only while
    /// the case is one they may see, judged by the role and agency they subscribed with. A person
    /// is followed once their profile exists (a moment after they are first identified).
    /// </remarks>
    [WolverinePost("/api/subscriptions")]
    [Authorize(Policy = Policies.Record)]
    [ProducesResponseType<Subscribed>(StatusCodes.Status201Created)]
    [Refuses(StatusCodes.Status404NotFound, "No such case or person, or one the caller may not see.")]
    public static async Task<IResult> Post(Subscribe command, IDocumentSession session, ClaimsPrincipal user, TimeProvider clock, CancellationToken ct)
    {
        var generated = command.WebhookUrl is not null && command.Secret is null
            ? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32))
            : null;
        var subscription = new Subscription
        {
            Id = Guid.CreateVersion7(),
            User = user.FindFirst(ActorClaims.User)!.Value,
            Role = user.FindFirst(ActorClaims.Role)!.Value,
            Agency = CaseAccess.AgencyOf(user),
            Kind = command.Kind!,
            TargetId = command.TargetId!.Value,
            WebhookUrl = command.WebhookUrl,
            Secret = command.Secret ?? generated,
            CreatedAt = clock.GetUtcNow(),
            StartsAfter = await session.Database.FetchHighestEventSequenceNumber(ct),
        };
        session.Insert(subscription);

        return Results.Created($"/api/subscriptions/{subscription.Id}", new Subscribed(
            subscription.Id, subscription.Kind, subscription.TargetId, subscription.WebhookUrl, subscription.StartsAfter, generated));
    }
}
