using CaseTracker.Api.Auth;
using CaseTracker.Api.Http;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Http.Marten;
using Wolverine.Marten;
using Wolverine.Persistence;

namespace CaseTracker.Api.Cases;

/// <summary>What every command on an existing case must satisfy before its own rules are asked.</summary>
public static class CaseWriteRules
{
    /// <param name="rule">the command's own rule about the case, asked only when the case may be written</param>
    public static ProblemDetails Check(Case current, HttpContext http, Func<ProblemDetails?>? rule = null)
    {
        if (!CaseAccess.MaySee(http.User, current.IsRestricted, current.Agencies)) return Problems.NoCase(current.Id);

        if (ExpectedVersion.TryRead(http.Request, out var expected, out var malformed))
        {
            if (malformed) return Problems.Invalid("If-Match", "must be a case version such as \"12\"");
            if (expected != current.Version) return Problems.PreconditionFailed(expected!.Value, current.Version);
        }

        if (current.IsClosed) return Problems.Conflict($"Case {current.Reference} is closed; nothing more can be recorded on it.");

        return rule?.Invoke() ?? WolverineContinue.NoProblems;
    }

    /// <summary>A command about a defendant needs them identified (and not retracted) in this case.</summary>
    public static ProblemDetails? Identified(Case current, Guid? defendantId) =>
        defendantId is { } id && !current.Defendants.Contains(id)
            ? Problems.NotFound($"Defendant {id} is not identified in case {current.Reference}; identify them first.")
            : null;
}

/// <summary>
/// The case a command appends to, from the route's <c>caseId</c>. Loaded under the stream lock, so
/// racing writers queue rather than conflict; a case that does not exist answers the very 404 that
/// <see cref="CaseWriteRules.Check"/> gives a case the caller may not see.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class WriteCaseAttribute : AggregateAttribute
{
    public WriteCaseAttribute() : base("caseId")
    {
        LoadStyle = ConcurrencyStyle.Exclusive;
        OnMissing = OnMissing.ProblemDetailsWith404;
        MissingMessage = Problems.NoCaseMessage;
    }
}
