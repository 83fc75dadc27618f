using Marten;
using Weasel.Core;
using Weasel.Core.Migrations;
using Weasel.Postgresql;
using Weasel.Postgresql.Functions;
using Weasel.Postgresql.Triggers;

namespace CaseTracker.Api.Audit;

/// <summary>
/// A trigger that refuses UPDATE and DELETE of stored events, so that not even a mistaken
/// maintenance script can rewrite history. A storage feature of its own, because Marten applies
/// those after the event tables they guard (at start-up and in db-apply).
/// </summary>
/// <remarks>
/// One DELETE is let through: archiving (docs/archiving.md). With archived-stream partitioning,
/// Marten's <c>mt_archive_stream</c> copies each event of the stream into the archived partition and
/// then deletes the active row; the guard lets an active row go only when the archived partition
/// already holds the same event, every column alike but the archived flag. Archived rows themselves
/// are never updated or deleted, and no event moves between partitions by UPDATE.
/// </remarks>
public sealed class EventGuard(StoreOptions options) : FeatureSchemaBase("CaseTrackerEventGuard", options.Advanced.Migrator)
{
    public const string FunctionName = "ct_refuse_event_rewrite";
    public const string TriggerName = "ct_events_are_immutable";

    protected override IEnumerable<ISchemaObject> schemaObjects()
    {
        var schema = options.Events.DatabaseSchemaName;
        yield return new Function(new PostgresqlObjectName(schema, FunctionName, SchemaUtils.IdentifierUsage.General), $$"""
            create or replace function {{schema}}.{{FunctionName}}() returns trigger language plpgsql as $guard$
            begin
              if tg_op = 'DELETE' and not old.is_archived and exists (
                   select 1 from {{schema}}.mt_events archived
                   where archived.seq_id = old.seq_id and archived.is_archived
                     and to_jsonb(archived) - 'is_archived' = to_jsonb(old) - 'is_archived') then
                return old;
              end if;
              raise exception 'CaseTracker events are immutable: % of event % (stream %, version %) refused',
                tg_op, old.id, old.stream_id, old.version
                using errcode = 'restrict_violation',
                      hint = 'Correct a case by retracting the entry and recording it again.';
            end;
            $guard$;
            """);

        yield return new Trigger(
            new PostgresqlObjectName(schema, TriggerName, SchemaUtils.IdentifierUsage.General),
            new PostgresqlObjectName(schema, "mt_events", SchemaUtils.IdentifierUsage.General),
            $"{schema}.{FunctionName}()")
        {
            Timing = TriggerTiming.Before,
            Events = TriggerEvents.Update | TriggerEvents.Delete,
            ForEachRow = true,
        };
    }
}
