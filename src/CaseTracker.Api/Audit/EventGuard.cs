using Marten;
using Weasel.Core;
using Weasel.Core.Migrations;
using Weasel.Postgresql;
using Weasel.Postgresql.Functions;
using Weasel.Postgresql.Triggers;

namespace CaseTracker.Api.Audit;

/// <summary>
/// A trigger that refuses UPDATE and DELETE of stored events, so that not even a mistaken
/// maintenance script can rewrite history. Archiving is refused too: an archived event vanishes
/// from every read and rebuild, and CaseTracker records no archiving as an event, so there is no
/// legitimate way for one to happen. A storage feature of its own, because Marten applies those
/// after the event tables they guard (at start-up and in db-apply).
/// </summary>
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
