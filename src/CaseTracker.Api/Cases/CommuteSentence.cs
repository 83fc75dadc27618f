using CaseTracker.Api.Auth;
using CaseTracker.Api.Http;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace CaseTracker.Api.Cases;

public record CommuteSentence(string? ToKind, DateTimeOffset? CommutedAt, string? Reason, int? TermMonths, int? ReprieveYears);

public static class CommuteSentenceEndpoint
{
    public static ProblemDetails Validate(CommuteSentence command, TimeProvider clock) => new Validation(clock)
        .Sentence("toKind", command.ToKind, command.TermMonths, command.ReprieveYears)
        .Time("commutedAt", command.CommutedAt)
        .Text("reason", command.Reason, Validation.MaxText)
        .Result;

    /// <summary>The sentence and its commutations, read once the case's stream lock is held.</summary>
    public static Task<CaseEntries> LoadAsync(Guid caseId, Guid sentenceId, IQuerySession session, CancellationToken ct) =>
        CaseEntries.LoadAsync(session, caseId, sentenceId, ct);

    public static ProblemDetails Before(Guid sentenceId, CaseEntries entries) =>
        entries.Live(sentenceId, EntryKind.Sentence) is null
            ? Problems.NotFound($"No sentence {sentenceId} stands in this case.")
            : WolverineContinue.NoProblems;

    /// <summary>Records that a sentence was commuted to another.</summary>
    [WolverinePost("/api/cases/{caseId:guid}/sentences/{sentenceId:guid}/commutations")]
    [Authorize(Policy = Policies.Record)]
    public static (CommandAccepted, Events) Post(
        CommuteSentence command, Guid sentenceId, [WriteCase] Case current, CaseEntries entries)
    {
        var sentence = entries.Live(sentenceId, EntryKind.Sentence)!;
        var commuted = new SentenceCommuted(
            Guid.CreateVersion7(), sentenceId, sentence.DefendantId!.Value, entries.CurrentKind(sentenceId)!, command.ToKind!,
            command.CommutedAt!.Value, command.Reason!.Trim(), command.TermMonths, command.ReprieveYears);
        return (CommandAccepted.For(current, commuted), [commuted]);
    }
}
