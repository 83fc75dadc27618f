using System.Net.Http.Json;
using CaseTracker.Api.Cases;
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

    public async Task<List<Measurement>> Measure(IDocumentStore caseTracker, ApiProcess api)
    {
        var results = new List<Measurement>();
        var cases = connections * 2;

        // CaseTracker: its API process is running and warmed up by the runs before this one.
        var freshCases = await StorePath.OpenCases(caseTracker, cases);
        var longCases = new List<Guid>();
        for (var i = 0; i < connections; i++) longCases.Add(await StorePath.CaseWithTips(caseTracker, entries + 1));
        await Both(results, CaseTracker, api, freshCases, longCases, warm: false);

        // The idiomatic Marten + Wolverine service.
        var idiomaticDatabase = await CreateDatabase("idiomatic");
        using (var store = DocumentStore.For(opts => opts.Configure(idiomaticDatabase)))
        {
            await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
            freshCases = await IdiomaticPeer.OpenCases(store, cases, 0);
            longCases = await IdiomaticPeer.OpenCases(store, connections, entries);
        }

        var idiomatic = await ApiProcess.StartPeer("idiomatic", idiomaticDatabase, signingKey);
        try
        {
            await Both(results, Idiomatic, idiomatic, freshCases, longCases, warm: true);
        }
        finally
        {
            idiomatic.Kill();
        }

        // The hand-written minimal API over Npgsql: a stream is created by its first command.
        var handWrittenDatabase = await CreateDatabase("handwritten");
        await Baselines.CreateTables(handWrittenDatabase);
        freshCases = [.. Enumerable.Range(0, cases).Select(_ => Guid.CreateVersion7())];
        longCases = [.. Enumerable.Range(0, connections).Select(_ => Guid.CreateVersion7())];
        foreach (var caseId in longCases) await Baselines.StreamWithTips(handWrittenDatabase, caseId, entries);
        var handWritten = await ApiProcess.StartPeer("handwritten", handWrittenDatabase, signingKey);
        try
        {
            await Both(results, HandWritten, handWritten, freshCases, longCases, warm: true);
        }
        finally
        {
            handWritten.Kill();
        }

        return results;
    }

    private async Task Both(List<Measurement> results, string system, ApiProcess target, List<Guid> freshCases, List<Guid> longCases, bool warm)
    {
        var cpu = new Cpu(() => target.Id);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = target.Address };
        if (warm)
        {
            // JIT and, for the Wolverine peer, its generated handler code; on cases of their own.
            var warmUpCases = freshCases.Skip(connections).ToList();
            await Load.ClosedLoop("warm-up", 8, warmUp, (w, _) => Post(http, warmUpCases[w % warmUpCases.Count]), cpu);
            freshCases = [.. freshCases.Take(connections)];
        }

        results.Add(await Load.ClosedLoop($"{system}, {Fresh}", connections, duration, (w, _) => Post(http, freshCases[w % freshCases.Count]), cpu));
        results.Add(await Load.ClosedLoop($"{system}, {Long}", connections, duration, (w, _) => Post(http, longCases[w % longCases.Count]), cpu));
    }

    private async Task Post(HttpClient http, Guid caseId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/cases/{caseId}/tips") { Content = JsonContent.Create(tip) };
        request.Headers.Authorization = new("Bearer", officer);
        request.Headers.Add("Idempotency-Key", $"peer-{Interlocked.Increment(ref _unique)}");
        using var response = await http.SendAsync(request);
        if (!response.IsSuccessStatusCode) throw new HttpRequestException($"{(int)response.StatusCode}");
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
