using Marten;

namespace CaseTracker.Api.Storage;

/// <summary>
/// The event store's tables that the few raw SQL statements read, in the schema the store is
/// configured with; one place for their names, which Marten fixes (and keeps internal). Raw SQL stays
/// only where Marten's API cannot do the job: reading event rows as stored, tampered ones included;
/// every stream's head in one statement; the append path's single column.
/// </summary>
public static class StoreTables
{
    public static string Events(this IDocumentStore store) => $"{store.Options.Events.DatabaseSchemaName}.mt_events";

    public static string Streams(this IDocumentStore store) => $"{store.Options.Events.DatabaseSchemaName}.mt_streams";

    /// <summary>The daemon's progress per projection.</summary>
    public static string EventProgression(this IDocumentStore store) =>
        $"{store.Options.Events.DatabaseSchemaName}.mt_event_progression";
}
