using CaseTracker.Api.Audit;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Defendants;
using CaseTracker.Api.Idempotency;
using CaseTracker.Api.Stats;
using JasperFx.Events.Projections;
using Marten;
using Weasel.Core;

namespace CaseTracker.Api.Storage;

/// <summary>Every document, projection and event option of CaseTracker's store, in one place.</summary>
public static class StoreConfiguration
{
    public const string Schema = "casetracker";

    public static StoreOptions ConfigureCaseTracker(this StoreOptions opts, string connectionString, EventSeal seal)
    {
        opts.Connection(connectionString);
        opts.DatabaseSchemaName = Schema;
        opts.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase);

        // Who, on whose behalf and in which request: recorded on every event (CONTRACT §2).
        opts.Events.MetadataConfig.HeadersEnabled = true;
        opts.Events.MetadataConfig.CorrelationIdEnabled = true;
        opts.Events.MetadataConfig.CausationIdEnabled = true;
        opts.Events.MetadataConfig.UserNameEnabled = true;

        // The write model, inline so deciders never read a stale case.
        opts.Projections.Snapshot<Case>(SnapshotLifecycle.Inline);

        // Inline: an officer reads the case they just wrote to (read-your-writes).
        opts.Projections.Add<CaseDetailsProjection>(ProjectionLifecycle.Inline);
        opts.Schema.For<CaseDetails>()
            .UniqueIndex(x => x.Reference)
            .Index(x => x.Status)
            .Index(x => x.OpenedAt);

        // Asynchronous: they span streams. The daemon runs each on exactly one node (Wolverine places
        // it) and they trail the commit by the daemon's polling interval; see docs/projections.md.
        opts.Projections.Add<DefendantProfileProjection>(ProjectionLifecycle.Async);
        opts.Schema.For<DefendantProfile>().NgramIndex(x => x.SearchText);
        opts.Projections.Add<DashboardStatsProjection>(ProjectionLifecycle.Async);

        opts.Schema.For<IdempotencyRecord>();
        opts.Schema.For<ReadRecord>().Index(x => x.User).Index(x => x.CaseId).Index(x => x.DefendantId).Index(x => x.At);

        opts.Listeners.Add(seal);
        opts.Storage.Add<EventGuard>();
        return opts;
    }
}
