using System.Security.Claims;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Http;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace CaseTracker.Api.Exhibits;

/// <param name="GrossGrams">as weighed with its packaging</param>
/// <param name="Custodian">who holds the exhibit now</param>
public record LogExhibit(
    Guid? SeizureId,
    string? ExhibitNumber,
    string? SealNumber,
    string? Description,
    decimal? GrossGrams,
    DateTimeOffset? LoggedAt,
    string? Custodian,
    string? Location);

/// <summary>
/// What logging an exhibit checks besides the case, read once the case's stream lock is held: the
/// seizure it comes from, and the exhibits that already carry its number in the case or its seal
/// (with that exhibit's case, for need-to-know).
/// </summary>
public sealed record ExhibitLogging(CaseEntry? Seizure, Exhibit? SameNumber, Exhibit? SameSeal, Case? SameSealCase);

public static class LogExhibitEndpoint
{
    public const int MaxNumber = 64;

    public static ProblemDetails Validate(LogExhibit command, TimeProvider clock) => new Validation(clock)
        .Required("seizureId", command.SeizureId)
        .Text("exhibitNumber", command.ExhibitNumber, MaxNumber)
        .Text("sealNumber", command.SealNumber, MaxNumber)
        .Text("description", command.Description, Validation.MaxText)
        .Positive("grossGrams", command.GrossGrams, 1_000_000_000m)
        .Time("loggedAt", command.LoggedAt)
        .Text("custodian", command.Custodian)
        .Text("location", command.Location)
        .Result;

    /// <summary>
    /// The case's stream lock is held, so no other exhibit of this case can take the number, nor
    /// can the seizure be retracted, before this one commits. A seal taken at the same moment by an
    /// exhibit of another case is settled by the unique index on seal numbers: the loser is decided
    /// again, and then finds the seal here.
    /// </summary>
    public static async Task<ExhibitLogging> LoadAsync(LogExhibit command, Guid caseId, IQuerySession session, CancellationToken ct)
    {
        var number = command.ExhibitNumber!.Trim();
        var seal = SealNumber(command.SealNumber!);
        var batch = session.CreateBatchQuery();
        var seizure = batch.Load<CaseEntry>(CaseEntry.IdFor(caseId, command.SeizureId!.Value));
        var sameNumber = batch.Query<Exhibit>().Where(x => x.CaseId == caseId && x.ExhibitNumber == number).FirstOrDefault();
        var sameSeal = batch.Query<Exhibit>().Where(x => x.SealNumber == seal).FirstOrDefault();
        await batch.Execute(ct);

        var holder = await sameSeal;
        var holderCase = holder is null ? null : await session.LoadAsync<Case>(holder.CaseId, ct);
        return new ExhibitLogging(await seizure, await sameNumber, holder, holderCase);
    }

    /// <summary>A seizure that stands in the case, a number free in the case, a seal never used.</summary>
    public static ProblemDetails Before(LogExhibit command, ExhibitLogging logging, ClaimsPrincipal user)
    {
        var seizureId = command.SeizureId!.Value;
        if (logging.Seizure is not { Kind: EntryKind.Seizure } seizure) return Problems.NotFound($"No seizure {seizureId} in this case.");
        if (seizure.Retracted) return Problems.Conflict($"Seizure {seizureId} was retracted; exhibits are logged from seizures that stand.");
        if (logging.SameNumber is { } numbered)
        {
            return Problems.Conflict($"Exhibit number {numbered.ExhibitNumber} is already exhibit {numbered.Id} of this case; choose another.");
        }

        // As with a case reference, a seal held by an exhibit the officer may not see is refused
        // without saying where it is.
        var seal = SealNumber(command.SealNumber!);
        return logging.SameSeal switch
        {
            null => WolverineContinue.NoProblems,
            { } sealedOne when CaseWriteRules.MaySee(logging.SameSealCase, user) =>
                Problems.Conflict($"Seal number {seal} is already on exhibit {sealedOne.ExhibitNumber} ({sealedOne.Id}); a seal is used once."),
            _ => Problems.Conflict($"Seal number {seal} is already in use; a seal is used once."),
        };
    }

    /// <summary>Logs an exhibit made from a seizure of the case; it gets a stream of its own.</summary>
    /// <remarks>
    /// Answers 201 with the exhibit's Location; the body gives the case, the exhibit's id and its
    /// version 1. If-Match, when sent, names the case's version, as on every case route.
    /// </remarks>
    [WolverinePost("/api/cases/{caseId:guid}/exhibits")]
    [Authorize(Policy = Policies.Record)]
    public static (CommandAccepted, IStartStream) Post(LogExhibit command, [WriteCase] Case current)
    {
        var exhibitId = Guid.CreateVersion7();
        var logged = new ExhibitLogged(
            exhibitId, current.Id, command.SeizureId!.Value, command.ExhibitNumber!.Trim(), SealNumber(command.SealNumber!),
            command.Description!.Trim(), command.GrossGrams!.Value, command.LoggedAt!.Value, command.Custodian!.Trim(), command.Location!.Trim());
        return (CommandAccepted.For(exhibitId, 1, logged), MartenOps.StartStream<Exhibit>(exhibitId, logged));
    }

    /// <summary>Seal numbers compare case-insensitively: "xt-s-001" names XT-S-001.</summary>
    public static string SealNumber(string seal) => seal.Trim().ToUpperInvariant();
}
