using System.Security.Claims;

namespace CaseTracker.Api.Auth;

/// <summary>
/// Need-to-know: a restricted case is visible only to its lead and partner agencies, and to
/// auditors and admins. Everyone else meets it as if it did not exist (404, absent from lists).
/// </summary>
public static class CaseAccess
{
    public static bool SeesEverything(ClaimsPrincipal user) => user.IsInRole(Roles.Auditor) || user.IsInRole(Roles.Admin);

    public static string? AgencyOf(ClaimsPrincipal user) => user.FindFirst(ActorClaims.Agency)?.Value;

    public static bool MaySee(ClaimsPrincipal user, bool restricted, IEnumerable<string> agencies) =>
        !restricted || SeesEverything(user) || (AgencyOf(user) is { } agency && agencies.Contains(agency));
}
