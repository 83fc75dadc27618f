using Marten;

namespace CaseTracker.Api.Exports;

/// <summary>
/// The streams whose events make up a case's record, in the order a reader meets them: the case's
/// own stream first. Everything that leaves CaseTracker about a case (its export, its case file)
/// covers exactly these streams, so a stream added to a case's record is exported, signed and
/// verified everywhere by being named here.
/// </summary>
public static class CaseStreams
{
    public static Task<IReadOnlyList<Guid>> OfAsync(IQuerySession session, Guid caseId, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<Guid>>([caseId]);
}
