using System.Text.Json;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Http;
using CaseTracker.Api.Operations;
using JasperFx.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Persistence.Durability;
using Wolverine.Persistence.Durability.DeadLetterManagement;
using Wolverine.Runtime;

namespace CaseTracker.Api.Notifications;

/// <summary>A webhook delivery that failed every retry, kept by Wolverine in PostgreSQL until it is replayed.</summary>
/// <param name="Id">the dead letter's id: what replaying it names</param>
/// <param name="Replayable">true once replay was asked for and before it is picked up</param>
public record DeadLetter(
    Guid Id,
    string MessageType,
    Guid? SubscriptionId,
    Guid? EventId,
    string ExceptionType,
    string ExceptionMessage,
    DateTimeOffset SentAt,
    bool Replayable);

public record DeadLetterPage(int Page, int PageSize, int Total, IReadOnlyList<DeadLetter> Items);

/// <summary>Replay asked for: the delivery goes back to the queue within Wolverine's polling interval.</summary>
public record ReplayAccepted(Guid Id);

public static class DeadLetterEndpoints
{
    /// <summary>Lists the webhook deliveries that failed every retry.</summary>
    /// <remarks>Each with the subscription and event it was for and the failure that ended the retries; a delivery replayed and delivered leaves the list.</remarks>
    [WolverineGet("/api/admin/dead-letters", OperationId = "ListDeadLetters")]
    [Authorize(Policy = Policies.Operate)]
    [ProducesResponseType<DeadLetterPage>(StatusCodes.Status200OK)]
    public static async Task<IResult> List(int? page, int? pageSize, IWolverineRuntime runtime, CancellationToken ct)
    {
        var problems = new Validation().Page(page, pageSize).Result;
        if (problems != WolverineContinue.NoProblems) return Results.Problem(problems);

        var paging = Paging.Of(page, pageSize);
        var found = await runtime.Storage.DeadLetters.QueryAsync(
            new DeadLetterEnvelopeQuery(TimeRange.AllTime()) { PageNumber = paging.Page, PageSize = paging.Size }, ct);
        return Results.Json(new DeadLetterPage(paging.Page, paging.Size, found.TotalCount, [.. found.Envelopes.Select(Describe)]));
    }

    /// <summary>Sends a dead-lettered webhook delivery again.</summary>
    /// <remarks>
    /// The delivery returns to the durable queue within Wolverine's polling interval
    /// (<c>Cluster:DurabilityPollingSeconds</c>) and goes through the retries again if it fails.
    /// </remarks>
    [WolverinePost("/api/admin/dead-letters/{deadLetterId:guid}/replay", OperationId = "ReplayDeadLetter")]
    [Authorize(Policy = Policies.Operate)]
    [ProducesResponseType<ReplayAccepted>(StatusCodes.Status202Accepted)]
    [Refuses(StatusCodes.Status404NotFound, "No such dead letter.")]
    public static async Task<IResult> Replay(Guid deadLetterId, IWolverineRuntime runtime, CancellationToken ct)
    {
        if (await runtime.Storage.DeadLetters.DeadLetterEnvelopeByIdAsync(deadLetterId) is null)
        {
            return Results.Problem(Problems.NotFound($"No dead letter {deadLetterId}."));
        }

        await runtime.Storage.DeadLetters.ReplayAsync(new DeadLetterEnvelopeQuery([deadLetterId]), ct);
        return Results.Json(new ReplayAccepted(deadLetterId), statusCode: StatusCodes.Status202Accepted);
    }

    private static DeadLetter Describe(DeadLetterEnvelope letter)
    {
        var delivery = letter.Message as DeliverWebhook ?? Read(letter.Envelope.Data);
        return new DeadLetter(letter.Id, letter.MessageType, delivery?.SubscriptionId, delivery?.EventId,
            letter.ExceptionType, letter.ExceptionMessage, letter.SentAt, letter.Replayable);
    }

    private static DeliverWebhook? Read(byte[]? data)
    {
        if (data is null || data.Length == 0) return null;
        try
        {
            return JsonSerializer.Deserialize<DeliverWebhook>(data, JsonSerializerOptions.Web);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
