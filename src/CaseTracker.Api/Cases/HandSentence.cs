using CaseTracker.Api.Auth;
using CaseTracker.Api.Http;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace CaseTracker.Api.Cases;

public record HandSentence(
    Guid? DefendantId, string? Kind, DateTimeOffset? HandedAt, string? Court, int? TermMonths, int? ReprieveYears);

public static class HandSentenceEndpoint
{
    public static ProblemDetails Validate(HandSentence command, TimeProvider clock) => new Validation(clock)
        .Required("defendantId", command.DefendantId)
        .Sentence("kind", command.Kind, command.TermMonths, command.ReprieveYears)
        .Time("handedAt", command.HandedAt)
        .Text("court", command.Court)
        .Result;

    public static ProblemDetails Before(HandSentence command, Case current) =>
        CaseWriteRules.Identified(current, command.DefendantId).OrContinue();

    /// <summary>Records the sentence handed to a defendant.</summary>
    [WolverinePost("/api/cases/{caseId:guid}/sentences")]
    [Authorize(Policy = Policies.Record)]
    public static (CommandAccepted, Events) Post(HandSentence command, [WriteCase] Case current)
    {
        var handed = new SentenceHanded(
            Guid.CreateVersion7(), command.DefendantId!.Value, command.Kind!, command.HandedAt!.Value, command.Court!.Trim(),
            command.TermMonths, command.ReprieveYears);
        return (CommandAccepted.For(current, handed), [handed]);
    }
}

public static class SentenceKinds
{
    public const string Death = "death";
    public const string DeathWithReprieve = "death-with-reprieve";
    public const string Life = "life";
    public const string FixedTerm = "fixed-term";
    public const string Suspended = "suspended";
    public const string Fine = "fine";

    public static readonly IReadOnlyList<string> All = [Death, DeathWithReprieve, Life, FixedTerm, Suspended, Fine];

    public static bool NeedsTerm(string? kind) => kind is FixedTerm or Suspended;
    public static bool NeedsReprieve(string? kind) => kind is DeathWithReprieve;

    /// <summary>
    /// A kind with the figures it needs, and no figure it cannot have, so that "life, 120 months"
    /// is refused rather than stored ambiguously.
    /// </summary>
    public static Validation Sentence(this Validation validation, string kindField, string? kind, int? termMonths, int? reprieveYears) =>
        validation
            .OneOf(kindField, kind, All)
            .Rule(NeedsTerm(kind) ? termMonths is >= 1 and <= 1200 : termMonths is null, "termMonths",
                NeedsTerm(kind) ? "is required for this kind, from 1 to 1200" : "applies only to fixed-term and suspended sentences")
            .Rule(NeedsReprieve(kind) ? reprieveYears is >= 1 and <= 10 : reprieveYears is null, "reprieveYears",
                NeedsReprieve(kind) ? "is required for this kind, from 1 to 10" : "applies only to death-with-reprieve");
}
