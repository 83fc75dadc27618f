using System.Diagnostics.CodeAnalysis;
using System.Security.Claims;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Http;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CaseTracker.Api.Cases;

/// <summary>
/// What every command on an existing case must satisfy before its own rules are asked: Wolverine
/// middleware on every endpoint whose case is loaded with <see cref="WriteCaseAttribute"/>, applied
/// by <see cref="Applies"/> in Program.cs, so that each command's own rule is a plain function of
/// the command and the case.
/// </summary>
public static class CaseWriteRules
{
    /// <summary>
    /// A case that exists and that the caller may see (the two answer alike), then If-Match, then
    /// closure. Wolverine runs this before it would refuse a missing case itself, so this is the one
    /// place that answers for one.
    /// </summary>
    public static ProblemDetails Before(Case? current, Guid caseId, HttpContext http)
    {
        if (!MaySee(current, http.User)) return Problems.NoCase(caseId);
        if (ExpectedVersion.Unmet(http.Request, current.Version, "case") is { } unmet) return unmet;

        return current.IsClosed
            ? Problems.Conflict($"Case {current.Reference} is closed; nothing more can be recorded on it.")
            : WolverineContinue.NoProblems;
    }

    /// <summary>Need-to-know for commands: the case exists and the caller may see it. Exhibits follow their case.</summary>
    public static bool MaySee([NotNullWhen(true)] Case? current, ClaimsPrincipal user) =>
        current is not null && CaseAccess.MaySee(user, current.IsRestricted, current.Agencies);

    /// <summary>The endpoints these rules guard: those that append to a case loaded with [WriteCase].</summary>
    public static bool Applies(HttpChain chain) => WriteStreamAttribute.Guards<WriteCaseAttribute>(chain);

    /// <summary>A command's own rule as Wolverine reads it: no problem lets the command through.</summary>
    public static ProblemDetails OrContinue(this ProblemDetails? problem) => problem ?? WolverineContinue.NoProblems;

    /// <summary>A command about a defendant needs them identified (and not retracted) in this case.</summary>
    public static ProblemDetails? Identified(Case current, Guid? defendantId) =>
        defendantId is { } id && !current.Defendants.Contains(id)
            ? Problems.NotFound($"Defendant {id} is not identified in case {current.Reference}; identify them first.")
            : null;
}

/// <summary>
/// The case a command appends to, from the route's <c>caseId</c>, under the case's stream lock;
/// <see cref="CaseWriteRules.Before"/> answers for a case that does not exist exactly as for one
/// the caller may not see.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class WriteCaseAttribute() : WriteStreamAttribute("caseId");
