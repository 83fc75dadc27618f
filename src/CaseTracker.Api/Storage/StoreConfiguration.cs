using CaseTracker.Api.Audit;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Idempotency;
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

        opts.Schema.For<IdempotencyRecord>();

        opts.Listeners.Add(seal);
        return opts;
    }
}
