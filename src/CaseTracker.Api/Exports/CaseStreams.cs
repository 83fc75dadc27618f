using CaseTracker.Api.Exhibits;
using Marten;

namespace CaseTracker.Api.Exports;

/// <summary>
/// The streams whose events make up a case's record, in the order a reader meets them: the case's
/// own stream first, then each of its exhibits in the order they were logged. Everything that
/// leaves CaseTracker about a case (its export, its case file) covers exactly these streams, so a
/// stream added to a case's record is exported, signed and verified everywhere by being named here.
/// </summary>
public static class CaseStreams
{
    public static async Task<IReadOnlyList<Guid>> OfAsync(IQuerySession session, Guid caseId, CancellationToken ct)
    {
        var exhibits = await session.Query<ExhibitDetails>()
            .Where(x => x.CaseId == caseId)
            .OrderBy(x => x.LoggedAt).ThenBy(x => x.ExhibitId)
            .Select(x => x.ExhibitId)
            .ToListAsync(ct);
        return [caseId, .. exhibits];
    }
}
