using CaseTracker.Api.Cases;
using CaseTracker.Api.Http;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CaseTracker.Api.Exhibits;

/// <summary>
/// What every command on an existing exhibit must satisfy before its own rules are asked, as
/// <see cref="CaseWriteRules"/> does for cases: Wolverine middleware on every endpoint whose
/// exhibit is loaded with <see cref="WriteExhibitAttribute"/>, applied by <see cref="Applies"/> in
/// Program.cs.
/// </summary>
/// <remarks>
/// A closed case does not stop its exhibits: they are still held, taken to court and disposed of on
/// orders that often come after the verdict.
/// </remarks>
public static class ExhibitWriteRules
{
    /// <summary>
    /// An exhibit that exists, of a case the caller may see now (exhibits follow their case's
    /// restriction; the two answer alike), then If-Match on the exhibit's version, then disposal.
    /// </summary>
    public static async Task<ProblemDetails> BeforeAsync(Exhibit? current, Guid exhibitId, HttpContext http, IDocumentSession session, CancellationToken ct)
    {
        if (current is null || !CaseWriteRules.MaySee(await session.LoadAsync<Case>(current.CaseId, ct), http.User))
        {
            return Problems.NoExhibit(exhibitId);
        }

        if (ExpectedVersion.Unmet(http.Request, current.Version, "exhibit") is { } unmet) return unmet;

        return current.IsDisposed
            ? Problems.Conflict($"Exhibit {current.ExhibitNumber} has been disposed of; nothing more can be recorded on it.", "exhibit")
            : WolverineContinue.NoProblems;
    }

    /// <summary>The endpoints these rules guard: those that append to an exhibit loaded with [WriteExhibit].</summary>
    public static bool Applies(HttpChain chain) => WriteStreamAttribute.Guards<WriteExhibitAttribute>(chain);

    /// <summary>
    /// A time of a custody step (a transfer, the disposal) may not come before custody last changed:
    /// the chain runs forwards.
    /// </summary>
    public static ProblemDetails? NotBeforeCustody(Exhibit current, string field, DateTimeOffset at) =>
        at < current.CustodySince
            ? Problems.Invalid(field, $"must not be before {current.CustodySince:O}, when custody of exhibit {current.ExhibitNumber} last changed")
            : null;
}

/// <summary>
/// The exhibit a command appends to, from the route's <c>exhibitId</c>, under the exhibit's stream
/// lock; <see cref="ExhibitWriteRules.BeforeAsync"/> answers for an exhibit that does not exist
/// exactly as for one the caller may not see.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class WriteExhibitAttribute() : WriteStreamAttribute("exhibitId");
