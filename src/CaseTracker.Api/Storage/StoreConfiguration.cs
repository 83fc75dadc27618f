using CaseTracker.Api.Audit;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Defendants;
using CaseTracker.Api.Exhibits;
using CaseTracker.Api.Idempotency;
using CaseTracker.Api.Notifications;
using CaseTracker.Api.Privacy;
using CaseTracker.Api.Stats;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Marten.Schema;
using Weasel.Core;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace CaseTracker.Api.Storage;

/// <summary>Every document, projection and event option of CaseTracker's store, in one place.</summary>
public static class StoreConfiguration
{
    public const string Schema = "casetracker";

    /// <summary>
    /// Events per page when the daemon runs a projection, live or in a rebuild. Marten's default of
    /// 500 left a rebuild of the case read model at a third of this speed: cases are short and
    /// events small, so per-page overhead dominated (docs/benchmarks.md).
    /// </summary>
    public const int ProjectionBatchSize = 5_000;

    public static StoreOptions ConfigureCaseTracker(this StoreOptions opts, string connectionString, EventSeal seal, PersonalKeys keys)
    {
        opts.Connection(Tuned(connectionString));
        opts.DatabaseSchemaName = Schema;
        opts.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase);

        // Who, on whose behalf and in which request: recorded on every event (README: Security).
        opts.Events.MetadataConfig.HeadersEnabled = true;
        opts.Events.MetadataConfig.CorrelationIdEnabled = true;
        opts.Events.MetadataConfig.CausationIdEnabled = true;
        opts.Events.MetadataConfig.UserNameEnabled = true;
        // The recording time is the one the seal puts on the event and hashes, not PostgreSQL's
        // clock after the hash was taken (Marten 9's default, named explicitly because the chain
        // depends on it).
        opts.Events.AppendMode = EventAppendMode.QuickWithServerTimestamps;
        // The streams of cases closed long ago move to a partition of their own (docs/archiving.md),
        // out of the indexes every command and the daemon walk. Strict identity, because a partitioned
        // mt_streams no longer refuses a new stream with an archived stream's id on its own.
        opts.Events.UseArchivedStreamPartitioning = true;
        opts.Events.EnableStrictStreamIdentityEnforcement = true;

        // The write model, inline so deciders never read a stale case: a small document per case,
        // and a row per entry that commands naming an entry read after taking the stream lock.
        opts.Projections.Add<CaseProjection>(ProjectionLifecycle.Inline);
        opts.Projections.Add(new CaseEntriesProjection(), ProjectionLifecycle.Inline);
        // Found by id or by parent (then checked for the case in hand): no index on the case id,
        // which every command's insert would have to maintain for no query.
        opts.Schema.For<CaseEntry>().Duplicate(x => x.ParentId);

        // Inline: an officer reads the case they just wrote to (read-your-writes). The case is kept
        // as a header and one row per entry, so that a command writes two small rows rather than
        // rewriting a document that grows with the case (docs/benchmarks.md).
        opts.Projections.Add<CaseHeaderProjection>(ProjectionLifecycle.Inline);
        opts.Projections.Add(new CaseDetailsEntriesProjection(keys), ProjectionLifecycle.Inline);

        // Every indexed value is a column of its own, none an expression over the JSON. Need-to-know
        // filters on Restricted in every list, search and total, and reading it from the JSON meant
        // decompressing every case document each time. And with no index over the data column, a
        // command's rewrite of the header can be a HOT update: PostgreSQL neither re-evaluates index
        // expressions on the new document nor adds an entry to every index.
        opts.Schema.For<CaseHeader>()
            .Duplicate(x => x.Restricted)
            .Duplicate(x => x.Reference, configure: index => index.IsUnique = true)
            .Duplicate(x => x.Status)
            .Duplicate(x => x.OpenedInstant, pgType: "timestamp with time zone", dbType: NpgsqlTypes.NpgsqlDbType.TimestampTz);
        opts.Schema.For<CaseDetailsEntry>()
            .Duplicate(x => x.CaseId)
            // Partial: only identifications carry a person, and no other entry pays for the index.
            .Duplicate(x => x.IdentifiedDefendantId, configure: index => index.Predicate = "identified_defendant_id is not null");

        // Time travel's checkpoints of the case fold (Cases/CaseCheckpoints.cs): found as "the latest
        // of this case and fold at or before a version", which this index answers.
        // An expungement finds the checkpoints naming its subjects by containment in their list.
        opts.Schema.For<CaseCheckpoint>()
            .UniqueIndex(UniqueIndexType.DuplicatedField, "case_checkpoint_position", x => x.CaseId, x => x.Code, x => x.Version)
            .GinIndexJsonDataMember(x => x.Subjects);

        // Exhibits are streams of their own, with a write model and a read model, both inline. The
        // write model holds what logging checks across exhibits, and PostgreSQL holds it to them:
        // a seal number is used once in the whole store, an exhibit number once in its case,
        // whatever commands race (a check alone would let two of them through).
        opts.Projections.Add<ExhibitProjection>(ProjectionLifecycle.Inline);
        opts.Schema.For<Exhibit>()
            .Duplicate(x => x.SealNumber, configure: index => index.IsUnique = true)
            .UniqueIndex(UniqueIndexType.DuplicatedField, "exhibit_number_in_case", x => x.CaseId, x => x.ExhibitNumber);
        opts.Projections.Add<ExhibitDetailsProjection>(ProjectionLifecycle.Inline);
        // The dashboard groups every visible exhibit by status and confirmed substance on each
        // read; the status index carries the other columns it sums ([Column] on ExhibitDetails), so
        // PostgreSQL answers from the index alone (54,000 exhibits: 16-27 ms, against 220 ms from the columns and 420 ms from
        // the JSON; docs/exhibits.md).
        opts.Schema.For<ExhibitDetails>()
            .Duplicate(x => x.CaseId)
            .Duplicate(x => x.SealNumber)
            .Duplicate(x => x.Status, configure: index =>
                index.IncludeColumns = ["confirmed_substance", "confirmed_grams", "discrepancy_count", "case_id"]);

        // Asynchronous: they span streams. The daemon runs each on exactly one node (Wolverine places
        // it) and they trail the commit by the daemon's polling interval; see docs/projections.md.
        opts.Projections.Add(new DefendantProfileProjection(keys), ProjectionLifecycle.Async);
        // Name search (docs/defendant-search.md): a trigram index on the profile's names for "every
        // word somewhere in a name", an index on its cases for the people a reader's hidden cases
        // name, and a row per person and case to decide those few people on what the reader may see.
        opts.Storage.ExtendedSchemaObjects.Add(new Extension("pg_trgm"));
        opts.Schema.For<DefendantProfile>()
            .Duplicate(x => x.SearchText, configure: index =>
            {
                index.Method = IndexMethod.gin;
                index.Mask = "? gin_trgm_ops";
            })
            .Duplicate(x => x.CaseIds, pgType: "uuid[]", configure: index => index.Method = IndexMethod.gin);
        opts.Projections.Add(new DefendantNamesProjection(keys), ProjectionLifecycle.Async);
        opts.Schema.For<DefendantNames>().Duplicate(x => x.DefendantId);
        opts.Projections.Add<DashboardStatsProjection>(ProjectionLifecycle.Async);
        // Beside the totals, so that reading them costs the same at any size (docs/benchmarks.md): the
        // people counted as profiles come and go and people are merged, and each restricted case's totals.
        opts.Projections.Add(new PeopleCountProjection(), ProjectionLifecycle.Async);
        opts.Projections.Add(new RestrictedCaseTotalsProjection(), ProjectionLifecycle.Async);
        // What followers of a case or person are told: a row per event and target, read by target
        // after a sequence. The webhook dispatch and the broker feed are Wolverine subscriptions,
        // registered with the notifications (Notifications/NotificationsSetup.cs).
        opts.Projections.Add(new NotificationFeedProjection(), ProjectionLifecycle.Async);
        // Read as "this case or person, after this sequence, in order": one index on both columns,
        // unique because a target has one row per event.
        opts.Schema.For<FeedEntry>().UniqueIndex(UniqueIndexType.DuplicatedField, x => x.TargetId, x => x.Sequence);
        opts.Schema.For<Subscription>().Duplicate(x => x.User).Duplicate(x => x.TargetId);

        // A person's court orders, inline: the order's own transaction decides what every later read withholds.
        opts.Projections.Add<PersonRecordProjection>(ProjectionLifecycle.Inline);
        opts.Projections.Add(new SubjectOrdersProjection(), ProjectionLifecycle.Inline);
        opts.Schema.For<SubjectOrder>().Duplicate(x => x.Subject).Duplicate(x => x.Kind);
        opts.Schema.For<PersonalKey>();

        // Who was merged into whom, inline: the merge's own transaction inserts the row, so a second
        // merge of the same person fails at commit whatever raced it (Defendants/PersonMerges.cs).
        opts.Projections.Add(new MergedPeopleProjection(), ProjectionLifecycle.Inline);
        opts.Schema.For<MergedPerson>().Duplicate(x => x.SurvivorId);
        // Possible duplicates compare folded names by trigram similarity (pg_trgm, registered with the name search).
        opts.Schema.For<DefendantProfile>().Index(x => x.MatchText, index =>
        {
            index.Name = "mt_doc_defendantprofile_idx_match_text_trgm";
            index.Method = IndexMethod.gin;
            index.Mask = "? gin_trgm_ops";
        });

        opts.Schema.For<IdempotencyRecord>();
        // What each projection's documents were built by, so that a start rebuilds only what changed.
        opts.Schema.For<ProjectionFingerprint>();
        opts.Schema.For<ReadRecord>().Index(x => x.User).Index(x => x.CaseId).Index(x => x.DefendantId).Index(x => x.ExhibitId).Index(x => x.At)
            .GinIndexJsonDataMember(x => x.Shown!).GinIndexJsonDataMember(x => x.Sealed!);

        // An archived stream is a closed case's, and its facts stay in every read model: each
        // projection reads archived events, live and in a rebuild alike (docs/archiving.md).
        foreach (var projection in opts.Projections.All.OfType<IEventFilterable>()) projection.IncludeArchivedEvents = true;

        // Encryption first: the seal hashes the events as they will be stored, ciphertext and all.
        opts.Listeners.Add(new PersonalDataEncryption(keys));
        opts.Listeners.Add(seal);
        opts.Storage.Add<EventGuard>();
        return opts;
    }

    /// <summary>
    /// Connection settings CaseTracker adds, each left alone when the connection string sets it:
    /// <list type="bullet">
    /// <item>A 5 s connect timeout, so that a request meets an unreachable database as a prompt 503
    /// rather than a hang.</item>
    /// <item>Npgsql prepares the statements every command repeats (chosen from the benchmark, as is
    /// lz4; see docs/benchmarks.md). Besides sparing PostgreSQL a parse and plan per statement, it
    /// changes how a pooled connection is reset: without prepared statements Npgsql sends
    /// <c>DISCARD ALL</c>, which also drops the plans PostgreSQL cached for Marten's append function,
    /// so every append re-planned it (0.55 ms of 0.68 ms per call, seen in pg_stat_statements).</item>
    /// <item>Documents are compressed with lz4 rather than pglz. The documents rewritten most often
    /// that outgrow PostgreSQL's 2 kB threshold (a person's profile across cases, the dashboard
    /// totals, the write model of a case that names many people) cost a fraction of pglz's CPU for a
    /// slightly larger row.</item>
    /// </list>
    /// </summary>
    public static string Tuned(string connectionString)
    {
        // Keys as written, empty values included ("Options=" turns the startup options off).
        var given = connectionString.Split(';')
            .Select(part => part.Split('=')[0].Replace(" ", "", StringComparison.Ordinal))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        if (!given.Contains("Timeout"))
        {
            builder.Timeout = 5;
        }

        if (!given.Contains("MaxAutoPrepare") && !given.Contains("AutoPrepareMinUsages"))
        {
            builder.MaxAutoPrepare = 64;
            builder.AutoPrepareMinUsages = 2;
        }

        if (!given.Contains("Options"))
        {
            builder.Options = "-c default_toast_compression=lz4";
        }

        return builder.ConnectionString;
    }
}
