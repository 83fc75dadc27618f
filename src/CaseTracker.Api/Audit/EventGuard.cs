using Marten;
using Weasel.Core;
using Weasel.Core.Migrations;
using Weasel.Postgresql;
using Weasel.Postgresql.Functions;
using Weasel.Postgresql.Triggers;

namespace CaseTracker.Api.Audit;

/// <summary>
/// Triggers that refuse UPDATE, DELETE and TRUNCATE of stored events, so that not even a mistaken
/// maintenance script can rewrite history. A storage feature of its own, because Marten applies
/// those after the event tables they guard (at start-up and in db-apply).
/// </summary>
/// <remarks>
/// Archiving (docs/archiving.md) is let through, and nothing else that touches the archived
/// partitions. With archived-stream partitioning, Marten's <c>mt_archive_stream</c> copies the
/// stream's row and each of its events into the archived partitions, then deletes the active rows.
/// So:
/// <list type="bullet">
/// <item>an archived event may be inserted only as a copy of the active one, every column alike but
/// the flag (<c>to_jsonb(row) - 'is_archived'</c>, so a column Marten adds later is compared too),
/// and an active event deleted only once that copy exists;</item>
/// <item>an archived stream row may be inserted only as a copy of the active row, and only when the
/// stream's last event closes it (<see cref="FinalFacts"/>); the active row deleted only once that
/// copy exists;</item>
/// <item>archived rows are never updated or deleted, and no row moves between partitions by UPDATE.</item>
/// </list>
/// A superuser or the tables' owner can still switch triggers off; that is what the signatures and
/// checkpoints are for.
/// </remarks>
public sealed class EventGuard(StoreOptions options) : FeatureSchemaBase("CaseTrackerEventGuard", options.Advanced.Migrator)
{
    public const string FunctionName = "ct_refuse_event_rewrite";
    public const string TriggerName = "ct_events_are_immutable";
    public const string StreamFunctionName = "ct_refuse_stream_rewrite";
    public const string TruncateFunctionName = "ct_refuse_truncate";

    protected override IEnumerable<ISchemaObject> schemaObjects()
    {
        var schema = options.Events.DatabaseSchemaName;
        var closing = string.Join(", ", FinalFacts.EventTypeNames.Select(x => $"'{x}'"));

        // The rule archiving rests on, in one place: the row's twin on the other side of the
        // archived flag exists, every column alike but the flag.
        string Twin(string table, string key, string row, bool archived) =>
            $"exists (select 1 from {schema}.{table} twin where twin.{key} = {row}.{key} and {(archived ? "" : "not ")}twin.is_archived " +
            $"and to_jsonb(twin) - 'is_archived' = to_jsonb({row}) - 'is_archived')";

        yield return new GuardFunction(Name(schema, FunctionName), $$"""
            CREATE OR REPLACE FUNCTION {{schema}}.{{FunctionName}}()
             RETURNS trigger
             LANGUAGE plpgsql
            AS $function$
            begin
              if tg_op = 'INSERT' then
                if {{Twin("mt_events", "seq_id", "new", archived: false)}} then
                  return new;
                end if;
                raise exception 'CaseTracker events are archived only as copies: archived event % (stream %, version %) refused',
                  new.id, new.stream_id, new.version
                  using errcode = 'restrict_violation';
              end if;
              if tg_op = 'DELETE' and not old.is_archived and {{Twin("mt_events", "seq_id", "old", archived: true)}} then
                return old;
              end if;
              raise exception 'CaseTracker events are immutable: % of event % (stream %, version %) refused',
                tg_op, old.id, old.stream_id, old.version
                using errcode = 'restrict_violation',
                      hint = 'Correct a case by retracting the entry and recording it again.';
            end;
            $function$;
            """);

        yield return new GuardFunction(Name(schema, StreamFunctionName), $$"""
            CREATE OR REPLACE FUNCTION {{schema}}.{{StreamFunctionName}}()
             RETURNS trigger
             LANGUAGE plpgsql
            AS $function$
            begin
              if tg_op = 'INSERT' then
                if {{Twin("mt_streams", "id", "new", archived: false)}}
                   and exists (select 1 from {{schema}}.mt_events last
                               where last.stream_id = new.id and last.version = new.version and not last.is_archived
                                 and last.type in ({{closing}})) then
                  return new;
                end if;
                raise exception 'CaseTracker archives only a closed stream, as a copy of its row: stream % refused', new.id
                  using errcode = 'restrict_violation';
              end if;
              if tg_op = 'DELETE' and not old.is_archived and {{Twin("mt_streams", "id", "old", archived: true)}} then
                return old;
              end if;
              raise exception 'CaseTracker streams are kept whole: % of stream % refused', tg_op, old.id
                using errcode = 'restrict_violation';
            end;
            $function$;
            """);

        yield return new GuardFunction(Name(schema, TruncateFunctionName), $$"""
            CREATE OR REPLACE FUNCTION {{schema}}.{{TruncateFunctionName}}()
             RETURNS trigger
             LANGUAGE plpgsql
            AS $function$
            begin
              raise exception 'CaseTracker events are immutable: TRUNCATE of % refused', tg_table_name
                using errcode = 'restrict_violation';
            end;
            $function$;
            """);

        // One event per trigger and conditions as PostgreSQL prints them back, so that a start finds
        // them unchanged rather than dropping and creating each again.
        yield return Row("mt_events", TriggerName, FunctionName, TriggerEvents.Update);
        yield return Row("mt_events", "ct_events_leave_only_archived", FunctionName, TriggerEvents.Delete);
        yield return Row("mt_events", "ct_events_archived_as_copies", FunctionName, TriggerEvents.Insert, "new.is_archived");
        yield return Row("mt_streams", "ct_streams_archived_as_copies", StreamFunctionName, TriggerEvents.Insert, "new.is_archived");
        yield return Row("mt_streams", "ct_archived_streams_stay", StreamFunctionName, TriggerEvents.Update, "(old.is_archived OR new.is_archived)");
        yield return Row("mt_streams", "ct_streams_leave_only_archived", StreamFunctionName, TriggerEvents.Delete);

        // Truncating a partition fires only that partition's triggers.
        string[] partitions = options.Events.UseArchivedStreamPartitioning
            ? ["mt_events_default", "mt_events_archived", "mt_streams_default", "mt_streams_archived"]
            : [];
        foreach (var table in (string[])["mt_events", "mt_streams", .. partitions])
        {
            yield return new GuardTrigger(Name(schema, $"ct_no_truncate_{table}"), Name(schema, table), $"{schema}.{TruncateFunctionName}()", Kind(table))
            {
                Timing = TriggerTiming.Before,
                Events = TriggerEvents.Truncate,
                ForEachRow = false,
            };
        }

        GuardTrigger Row(string table, string name, string function, TriggerEvents events, string? when = null) =>
            new(Name(schema, name), Name(schema, table), $"{schema}.{function}()", Kind(table))
            {
                Timing = TriggerTiming.Before,
                Events = events,
                ForEachRow = true,
                Condition = when,
            };

        // The event tables are partitioned tables once converted; their partitions are plain ones.
        char Kind(string table) =>
            options.Events.UseArchivedStreamPartitioning && table is "mt_events" or "mt_streams" ? 'p' : 'r';
    }

    private static PostgresqlObjectName Name(string schema, string name) => new(schema, name, SchemaUtils.IdentifierUsage.General);

    /// <summary>
    /// Found only on a table of the kind it guards (<c>relkind</c>). Converting the event tables to
    /// partitions drops them with CASCADE, and their triggers with them, in the same migration that
    /// applies the guard: a trigger found on the table about to be dropped would count as present and
    /// be left out, and the converted store would be unguarded. Found on a table still to be
    /// converted, it counts as missing, and is created on the new table after the conversion.
    /// </summary>
    private sealed class GuardTrigger(PostgresqlObjectName name, PostgresqlObjectName table, string function, char kind) : Trigger(name, table, function)
    {
        public override void ConfigureQueryCommand(DbCommandBuilder builder)
        {
            var trigger = builder.AddParameter(Identifier.Name).ParameterName;
            var table = builder.AddParameter(Target.Name).ParameterName;
            var schema = builder.AddParameter(Target.Schema).ParameterName;
            builder.Append(
                $"""
                 select pg_get_triggerdef(t.oid) from pg_trigger t
                 join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
                 where not t.tgisinternal and t.tgname = :{trigger} and c.relname = :{table} and n.nspname = :{schema} and c.relkind = '{kind}';
                 """);
        }
    }

    /// <summary>
    /// Written as <c>pg_get_functiondef</c> prints it back, so that an unchanged guard is found
    /// unchanged; and replaced in place when it did change. Weasel replaces a function by dropping it
    /// with CASCADE, which drops every trigger that calls it, and recreates only the triggers it
    /// found changed: a changed guard function would leave the tables unguarded.
    /// </summary>
    private sealed class GuardFunction(PostgresqlObjectName name, string body) : Function(name, body)
    {
        protected override ISchemaObjectDelta CreateFunctionDelta(FunctionBase? actual) => new InPlace(this, (Function?)actual);

        private sealed class InPlace(Function expected, Function? actual) : FunctionDelta(expected, actual)
        {
            public override void WriteUpdate(Migrator rules, TextWriter writer) => Expected.WriteCreateStatement(rules, writer);
        }
    }
}
