using CaseTracker.Api.Storage;
using Npgsql;

namespace CaseTracker.Tests.Support;

/// <summary>Reads the asynchronous projections' progress and documents straight from PostgreSQL.</summary>
public static class AsyncProjections
{
    public static readonly string[] Async = ["DefendantProfile", "DefendantNames", "DashboardStats", "PeopleCount", "RestrictedCaseTotals"];

    /// <summary>Waits until every asynchronous projection has applied every committed event.</summary>
    public static async Task CaughtUp(string connectionString, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                $"select (select coalesce(max(seq_id), 0) from {StoreConfiguration.Schema}.mt_events), " +
                $"(select coalesce(min(last_seq_id), 0) from {StoreConfiguration.Schema}.mt_event_progression where name = any(@names)), " +
                $"(select count(*) from {StoreConfiguration.Schema}.mt_event_progression where name = any(@names))", connection);
            command.Parameters.AddWithValue("names", Async.Select(x => $"{x}:All").ToArray());
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            if (reader.GetInt64(2) == Async.Length && reader.GetInt64(1) >= reader.GetInt64(0)) return;
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Projections at {reader.GetInt64(1)} of {reader.GetInt64(0)} events after {timeout}.");
            }

            await Task.Delay(250);
        }
    }

    /// <summary>Each table's documents as stored, id and data, in id order: what two states are compared by.</summary>
    public static async Task<Dictionary<string, List<string>>> DocumentsByTable(string connectionString, IEnumerable<string> tables)
    {
        var documents = new Dictionary<string, List<string>>();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        foreach (var table in tables)
        {
            await using var command = new NpgsqlCommand($"select id::text || ' ' || data::text from {StoreConfiguration.Schema}.{table} order by id", connection);
            await using var reader = await command.ExecuteReaderAsync();
            var rows = new List<string>();
            while (await reader.ReadAsync()) rows.Add(reader.GetString(0));
            documents[table] = rows;
        }

        return documents;
    }

    public static async Task<List<string>> Documents(string connectionString, params string[] tables)
    {
        var rows = new List<string>();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        foreach (var table in tables)
        {
            await using var command = new NpgsqlCommand($"select '{table} ' || id::text || ' ' || data::text from {StoreConfiguration.Schema}.{table} order by id", connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) rows.Add(reader.GetString(0));
        }

        return rows;
    }
}
