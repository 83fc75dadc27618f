using System.Security.Claims;
using CaseTracker.Api.Auth;
using Marten;

namespace CaseTracker.Api.Cases;

/// <summary>Need-to-know (see <see cref="CaseAccess"/>) applied to reads that span cases.</summary>
public static class CaseVisibility
{
    /// <summary>The cases a user may see: all for auditors and admins; else unrestricted ones and their agency's own.</summary>
    public static IQueryable<CaseHeader> VisibleTo(this IQueryable<CaseHeader> cases, ClaimsPrincipal user)
    {
        if (CaseAccess.SeesEverything(user)) return cases;
        var agency = CaseAccess.AgencyOf(user) ?? "";
        return cases.Where(x => !x.Restricted || x.LeadAgency == agency || x.PartnerAgencies.Contains(agency));
    }

    /// <summary>Whether the case exists and this user may see it (a missing case and a hidden one answer alike).</summary>
    public static bool Shows(this CaseHeader? header, ClaimsPrincipal user) =>
        header is not null && CaseAccess.MaySee(user, header.Restricted, header.Agencies);

    /// <summary>The restricted cases this user may not see; projections across cases leave them out.</summary>
    public static async Task<IReadOnlyList<Guid>> HiddenFrom(IQuerySession session, ClaimsPrincipal user, CancellationToken ct)
    {
        if (CaseAccess.SeesEverything(user)) return [];
        var agency = CaseAccess.AgencyOf(user) ?? "";
        return await session.Query<CaseHeader>()
            .Where(x => x.Restricted && x.LeadAgency != agency && !x.PartnerAgencies.Contains(agency))
            .Select(x => x.CaseId)
            .ToListAsync(ct);
    }
}
