using System.Net.Http.Json;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Storage;
using Marten;
using Npgsql;

namespace CaseTracker.Benchmarks.Peers;

/// <summary>
/// The same tip command, over loopback HTTP with the same token, against CaseTracker and against
/// what users would pick instead (each peer in its own process, on its own database): on cases just
/// opened and on cases that already hold <c>entries</c> tips.
/// </summary>
public sealed class PeerRun(string admin, string database, string signingKey, string officer, ReceiveTip tip, TimeSpan duration, TimeSpan warmUp, int connections, int entries)
{
    public const string CaseTracker = "CaseTracker";
    public const string Idiomatic = "idiomatic peer";
    public const string HandWritten = "hand-written peer";

    public string Fresh => "fresh cases";
    public string Long => $"cases of {entries} entries";

    private long _unique;

    /// <summary>
    /// The three systems take turns, round after round, and each figure is the round of median
    /// throughput: on a shared machine the load of the neighbours moves within minutes, and
    /// measuring one system after the other would charge it to whichever ran at the busy moment.
    /// </summary>
    public async Task<List<Measurement>> Measure(IDocumentStore caseTracker, ApiProcess api, int rounds)
    {
        var idiomaticDatabase = await CreateDatabase("idiomatic");
        using var idiomaticStore = DocumentStore.For(opts => opts.Configure(idiomaticDatabase));
        await idiomaticStore.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        var handWrittenDatabase = await CreateDatabase("handwritten");
        await Baselines.CreateTables(handWrittenDatabase);

        var open = new Dictionary<string, Func<Task<List<Guid>>>>
        {
            [CaseTracker] = () => StorePath.OpenCases(caseTracker, connections),
            [Idiomatic] = () => IdiomaticPeer.OpenCases(idiomaticStore, connections, 0),
            // A hand-written stream is created by its first command.
            [HandWritten] = () => Task.FromResult<List<Guid>>([.. Enumerable.Range(0, connections).Select(_ => Guid.CreateVersion7())]),
        };
        var longCases = new Dictionary<string, List<Guid>>
        {
            [CaseTracker] = [],
            [Idiomatic] = await IdiomaticPeer.OpenCases(idiomaticStore, connections, entries),
            [HandWritten] = [.. Enumerable.Range(0, connections).Select(_ => Guid.CreateVersion7())],
        };
        for (var i = 0; i < connections; i++) longCases[CaseTracker].Add(await StorePath.CaseWithTips(caseTracker, entries + 1));
        foreach (var caseId in longCases[HandWritten]) await Baselines.StreamWithTips(handWrittenDatabase, caseId, entries);

        // Those 32,000 tips are a backlog for CaseTracker's asynchronous projections, which run in
        // its API process; the peers have none, so CaseTracker starts with none either.
        await CaughtUp(caseTracker);

        var idiomatic = await ApiProcess.StartPeer("idiomatic", idiomaticDatabase, signingKey);
        var handWritten = await ApiProcess.StartPeer("handwritten", handWrittenDatabase, signingKey);
        var targets = new Dictionary<string, ApiProcess> { [CaseTracker] = api, [Idiomatic] = idiomatic, [HandWritten] = handWritten };
        var clients = targets.ToDictionary(x => x.Key, x => new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = x.Value.Address });
        var runs = new List<Measurement>();
        try
        {
            // JIT and, for the Wolverine peer, its generated handler code (CaseTracker's API process
            // is warm from the runs before this one); on cases of their own.
            foreach (var system in new[] { Idiomatic, HandWritten })
            {
                var warmUpCases = await open[system]();
                await Load.ClosedLoop("warm-up", 8, warmUp, (w, _) => Post(clients[system], warmUpCases[w % warmUpCases.Count]), new Cpu(() => targets[system].Id));
            }

            for (var round = 0; round < rounds; round++)
            {
                foreach (var system in targets.Keys)
                {
                    var cpu = new Cpu(() => targets[system].Id);
                    var fresh = await open[system]();
                    runs.Add(await Load.ClosedLoop($"{system}, {Fresh}", connections, duration, (w, _) => Post(clients[system], fresh[w % fresh.Count]), cpu));
                    runs.Add(await Load.ClosedLoop($"{system}, {Long}", connections, duration, (w, _) => Post(clients[system], longCases[system][w % connections]), cpu));
                }
            }
        }
        finally
        {
            foreach (var client in clients.Values) client.Dispose();
            idiomatic.Stop();
            handWritten.Stop();
        }

        return [.. runs.GroupBy(x => x.Name).Select(x => x.OrderBy(run => run.PerSecond).ElementAt(x.Count() / 2))];
    }

    private async Task Post(HttpClient http, Guid caseId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/cases/{caseId}/tips") { Content = JsonContent.Create(tip) };
        request.Headers.Authorization = new("Bearer", officer);
        request.Headers.Add("Idempotency-Key", $"peer-{Interlocked.Increment(ref _unique)}");
        using var response = await http.SendAsync(request);
        if (!response.IsSuccessStatusCode) throw new HttpRequestException($"{(int)response.StatusCode}");
    }

    private static async Task CaughtUp(IDocumentStore store)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(10);
        while (DateTime.UtcNow < deadline)
        {
            await using var connection = store.Storage.Database.CreateConnection();
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                $"select (select coalesce(max(seq_id), 0) from {store.Events()}) <= (select coalesce(min(last_seq_id), 0) from {store.EventProgression()} " +
                "where name in ('DefendantProfile:All', 'DefendantNames:All', 'DashboardStats:All'))", connection);
            if ((bool)(await command.ExecuteScalarAsync())!) return;
            await Task.Delay(500);
        }
    }

    private async Task<string> CreateDatabase(string suffix)
    {
        var name = $"{database}_{suffix}";
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"create database {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(admin) { Database = name, MaxPoolSize = 100 }.ConnectionString;
    }
}
