using CaseTracker.Api.Auth;
using CaseTracker.Api.Http;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CaseTracker.Api.Cases;

/// <summary>What every command on an existing case must satisfy before its own rules are asked.</summary>
public static class CaseWriteRules
{
    /// <param name="rule">the command's own rule about the case, asked only when the case may be written</param>
    public static ProblemDetails Check(Case current, HttpContext http, Func<ProblemDetails?>? rule = null)
    {
        if (!CaseAccess.MaySee(http.User, current.IsRestricted, current.Agencies)) return Problems.NotFound($"No case {current.Id}.");

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
