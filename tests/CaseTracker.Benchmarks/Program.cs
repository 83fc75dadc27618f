using System.Diagnostics;
using System.Net.Http.Json;
using CaseTracker.Api.Audit;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Defendants;
using CaseTracker.Api.Stats;
using CaseTracker.Api.Privacy;
using CaseTracker.Api.Storage;
using CaseTracker.Benchmarks;
using CaseTracker.Benchmarks.Peers;
using CaseTracker.Benchmarks.Scale;
using JasperFx.Events.Daemon;
using Marten;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Npgsql;

// One run, one fresh PostgreSQL: baselines, the store path, the REST path, the peers, rebuilds,
// time travel and reads, each figure reported beside the baseline it is measured against; or, with
// --scale, a generated store of that size against a small one.
// Usage: CaseTracker.Benchmarks --connection "<admin connection string>" [--smoke] [--scale 10m] [--out artifacts/bench]
//        [--product-options "Max Auto Prepare=0"]   connection settings for CaseTracker only, never the baselines,
//                                                   to measure one of its connection defaults against the same baselines
//        [--time-travel]   only the time-travel runs; with TimeTravel__CheckpointEvery=0 in the environment the API
//                          keeps no checkpoints, as before them (docs/benchmarks.md)
//        CaseTracker.Benchmarks peer idiomatic|handwritten --urls URL --connection CS   serves a peer (started by the run itself)
var arguments = args.Select((value, index) => (value, index)).ToDictionary(x => x.value, x => x.index);
string? Option(string name) => arguments.TryGetValue(name, out var i) && i + 1 < args.Length ? args[i + 1] : null;
const string signingKey = "casetracker-benchmark-signing-key-0123456789abcdef";
const string auditKey = "casetracker-benchmark-audit-key-0123456789abcdefgh";
const string privacyKey = "casetracker-benchmark-privacy-key-0123456789abcdef";
if (args is ["peer", var kind, ..])
{
    var (url, peerDatabase) = (Option("--urls")!, Option("--connection")!);
    return kind == "idiomatic" ? await IdiomaticPeer.Serve(url, peerDatabase, signingKey) : await HandWrittenPeer.Serve(url, peerDatabase, signingKey);
}

var admin = Option("--connection") ?? throw new ArgumentException("--connection is required");
var smoke = arguments.ContainsKey("--smoke");
var timeTravelOnly = arguments.ContainsKey("--time-travel");
var output = Option("--out") ?? Path.Combine("artifacts", "bench");
var scale = Option("--scale");
var duration = TimeSpan.FromSeconds(smoke ? 0.5 : 5);
int[] connectionCounts = smoke ? [1, 8] : [1, 8, 32];
var rebuildEvents = smoke ? 2_000 : 100_000;
int[] streamLengths = smoke ? [10, 100] : [10, 100, 1_000, 10_000];

var tokens = new TokenIssuer(TokenSettings.From(
    new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Auth:SigningKey"] = signingKey }).Build(),
    new BenchEnvironment()), TimeProvider.System);
var officer = tokens.Issue("bench-officer", Roles.Officer, "Xingtai PSB", TimeSpan.FromHours(12));
var auditor = tokens.Issue("bench-auditor", Roles.Auditor, "Inspectorate", TimeSpan.FromHours(12));
var analyst = tokens.Issue("bench-analyst", Roles.Analyst, "Narcotics Control Commission", TimeSpan.FromHours(12));
var tip = new ReceiveTip("US Department of Homeland Security", DateTimeOffset.Parse("2017-05-15T09:00:00-04:00"),
    "Online vendor 'Diana' shipping fentanyl to the US", "Diana", null);

if (scale is null || smoke) await MainRun();
if (scale is not null || smoke)
{
    // The smoke's store is tiny: it proves generation, sealing, rebuilds and every measurement work.
    var scaleRun = new ScaleRun(admin, signingKey, auditKey, privacyKey, officer, analyst, auditor, tip, smoke);
    var (small, large) = await scaleRun.Run(ScaleRun.ParseSize(scale ?? "3k"));
    scaleRun.Report(output, small, large);
}

return 0;

async Task MainRun()
{
    var database = $"casetracker_bench_{DateTime.UtcNow:yyyyMMddHHmmss}";
    await using (var connection = new NpgsqlConnection(admin))
    {
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"create database {database}", connection);
        await create.ExecuteNonQueryAsync();
    }

    var connectionString = new NpgsqlConnectionStringBuilder(admin) { Database = database, MaxPoolSize = 100 }.ConnectionString;
    var auditSigner = new AuditKey(auditKey);
    var productConnectionString = Option("--product-options") is { } productOptions ? $"{connectionString};{productOptions}" : connectionString;
    using var store = DocumentStore.For(opts => opts.ConfigureCaseTracker(productConnectionString, new EventSeal(auditSigner, TimeProvider.System), new PersonalKeys(new MasterKey(privacyKey))));
    await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
    await Baselines.CreateTables(connectionString);

    var api = await ApiProcess.Start(productConnectionString, signingKey, auditKey, privacyKey);
    var cpu = new Cpu(() => api.Id);
    using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = api.Address };

    var results = new List<Measurement>();
    var cases = await StorePath.OpenCases(store, 64);
    long unique = 0;
    string Key() => $"bench-{Interlocked.Increment(ref unique)}";

    async Task Rest(Guid caseId, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/cases/{caseId}/tips") { Content = JsonContent.Create(tip) };
        request.Headers.Authorization = new("Bearer", token);
        request.Headers.Add("Idempotency-Key", Key());
        using var response = await http.SendAsync(request);
        if (!response.IsSuccessStatusCode) throw new HttpRequestException($"{(int)response.StatusCode}");
    }

    Console.Error.WriteLine($"CaseTracker benchmark on {Environment.ProcessorCount} cores, {duration.TotalSeconds:0.#} s per run{(smoke ? " (smoke)" : "")}");
    if (timeTravelOnly)
    {
        // The API's JIT warmed on time travel and case reads of a case of its own, then the runs alone.
        var warmCase = await StorePath.CaseWithTips(store, 1_000);
        await Load.ClosedLoop("warm-up", 2, TimeSpan.FromSeconds(smoke ? 1 : 20),
            (w, n) => Get(http, w == 0 ? $"/api/cases/{warmCase}?version={1 + n % 999}" : $"/api/cases/{warmCase}", auditor), cpu);
        Report.TimeTravel(await TimeTravelRuns(http, cpu, store, results, command: null), results);
        api.Kill();
        return;
    }


    // Warm-up, unmeasured: JIT, Wolverine's generated handlers, connection pools, PostgreSQL's caches.
    // The API process is given longer: its tiered JIT keeps a core busy for about 20 s under load
    // (seen in top), and a run measured during that would charge start-up to every request.
    var warmUp = TimeSpan.FromSeconds(smoke ? 1 : 5);
    await Load.ClosedLoop("warm-up", 8, warmUp, (w, _) => StorePath.ReceiveTip(store, cases[w % cases.Count], tip, Key()), cpu);
    // On cases of its own, so that the case the reads below fetch keeps the size it had in earlier runs.
    var warmUpCases = await StorePath.OpenCases(store, 64);
    await Load.ClosedLoop("warm-up", 8, smoke ? warmUp : TimeSpan.FromSeconds(25), (w, _) => Rest(warmUpCases[w % warmUpCases.Count], officer), cpu);
    await Load.ClosedLoop("warm-up", 8, warmUp, (w, _) => Baselines.HandWritten(connectionString, cases[w % cases.Count], Key()), cpu);
    foreach (var connections in connectionCounts)
    {
        results.Add(await Load.ClosedLoop("raw insert", connections, duration, (_, _) => Baselines.RawInsert(connectionString), cpu));
        results.Add(await Load.ClosedLoop("hand-written transaction", connections, duration, (w, _) => Baselines.HandWritten(connectionString, cases[w % cases.Count], Key()), cpu));
        // Fresh cases for each run: every command rewrites its case's documents, so a run on cases that
        // earlier runs had grown would be charged for their entries, and the order of runs would matter.
        var storeCases = await StorePath.OpenCases(store, 64);
        var restCases = await StorePath.OpenCases(store, 64);
        var hotCase = (await StorePath.OpenCases(store, 1))[0];
        results.Add(await Load.ClosedLoop("store path", connections, duration, (w, _) => StorePath.ReceiveTip(store, storeCases[w % storeCases.Count], tip, Key()), cpu));
        results.Add(await Load.ClosedLoop("REST, many cases", connections, duration, (w, _) => Rest(restCases[w % restCases.Count], officer), cpu));
        results.Add(await Load.ClosedLoop("REST, one hot case", connections, duration, (_, _) => Rest(hotCase, officer), cpu));
    }

    // Half of each one's peak, at the highest concurrency, arriving at a constant rate.
    var top = connectionCounts.Max();
    double Peak(string name) => results.Single(x => x.Name == name && x.Connections == top).PerSecond;
    results.Add(await Load.OpenLoop("hand-written transaction at half peak", top, Peak("hand-written transaction") / 2, duration,
        (w, _) => Baselines.HandWritten(connectionString, cases[w % cases.Count], Key()), cpu));
    var halfPeakCases = await StorePath.OpenCases(store, 64);
    results.Add(await Load.OpenLoop("REST at half peak", top, Peak("REST, many cases") / 2, duration, (w, _) => Rest(halfPeakCases[w % halfPeakCases.Count], officer), cpu));

    // Reads.
    var someCase = cases[1];
    results.Add(await Load.ClosedLoop("raw select of the stored case", 8, duration, (_, _) => Baselines.RawSelect(connectionString, someCase), cpu));
    results.Add(await Load.ClosedLoop("GET /api/stats", 8, duration, (_, _) => Get(http, "/api/stats", officer), cpu));
    results.Add(await Load.ClosedLoop("GET /api/cases/{id}", 8, duration, (_, _) => Get(http, $"/api/cases/{someCase}", officer), cpu));

    var timeTravel = await TimeTravelRuns(http, cpu, store, results, Rest);

    // The same command against what users would pick instead, in processes of their own.
    var peerRun = new PeerRun(admin, database, signingKey, officer, tip, duration, smoke ? warmUp : TimeSpan.FromSeconds(15), top, smoke ? 50 : 1_000);
    var peers = await peerRun.Measure(store, api, rounds: smoke ? 1 : 3);

    // Rebuilds, beside a raw sequential read of the same events. The API goes first: its daemon would
    // otherwise keep running the same projections beside the rebuild and blur the figure.
    api.Kill();
    await StorePath.Corpus(store, rebuildEvents);
    var eventCount = await Baselines.EventCount(connectionString);
    var rawRead = Stopwatch.StartNew();
    var read = await Baselines.SequentialRead(connectionString);
    rawRead.Stop();
    var rebuilds = new List<(string Projection, double Seconds)>();
    using (var daemon = await store.BuildProjectionDaemonAsync())
    {
        foreach (var projection in new[] { typeof(CaseHeaderProjection), typeof(CaseDetailsEntriesProjection), typeof(CaseEntriesProjection), typeof(DefendantProfileProjection), typeof(DashboardStatsProjection) })
        {
            var clock = Stopwatch.StartNew();
            await daemon.RebuildProjectionAsync(projection, TimeSpan.FromMinutes(10), CancellationToken.None);
            rebuilds.Add((projection.Name, clock.Elapsed.TotalSeconds));
        }
    }

    Report.Write(output, results, peers, peerRun, top, timeTravel, eventCount, read / rawRead.Elapsed.TotalSeconds, rebuilds, smoke);
}

async Task Get(HttpClient http, string url, string token)
{
    using var request = new HttpRequestMessage(HttpMethod.Get, url);
    request.Headers.Authorization = new("Bearer", token);
    using var response = await http.SendAsync(request);
    if (!response.IsSuccessStatusCode) throw new HttpRequestException($"{(int)response.StatusCode}");
    await response.Content.ReadAsByteArrayAsync();
}

// Time travel: the same read near the end of streams of growing length, and in the longest also at
// its middle. The first read of a stretch of a stream folds it from the first event (or the latest
// checkpoint) and leaves checkpoints on the way (TimeTravel:CheckpointEvery): measured on its own,
// once, in the longest stream; the runs after it read from the checkpoints.
async Task<List<(int Events, Measurement Read)>> TimeTravelRuns(HttpClient http, Cpu cpu, IDocumentStore store, List<Measurement> results, Func<Guid, string, Task>? command)
{
    var timeTravel = new List<(int Events, Measurement Read)>();
    foreach (var length in streamLengths)
    {
        var caseId = await StorePath.CaseWithTips(store, length);
        var longest = length == streamLengths[^1];
        if (longest)
        {
            results.Add(await Load.ClosedLoop($"first time travel in a case of {length} events", 1, TimeSpan.Zero,
                (_, _) => Get(http, $"/api/cases/{caseId}?version={length - 1}", auditor), cpu));
        }

        var atVersion = await Load.ClosedLoop($"case at version {length - 1} of {length}", 1, duration, (_, _) => Get(http, $"/api/cases/{caseId}?version={length - 1}", auditor), cpu);
        results.Add(atVersion);
        timeTravel.Add((length, atVersion));
        if (longest)
        {
            // Any point, not only the end: the middle of the stream, from its own checkpoint.
            results.Add(await Load.ClosedLoop($"case at version {length / 2 + 1} of {length}", 1, duration,
                (_, _) => Get(http, $"/api/cases/{caseId}?version={length / 2 + 1}", auditor), cpu));
            // The floor for any fold, however it is snapshotted: the same case as it stands now, read from
            // its stored document. The answer itself grows with the case.
            results.Add(await Load.ClosedLoop($"case as it stands, {length} events", 1, duration, (_, _) => Get(http, $"/api/cases/{caseId}", auditor), cpu));
            // What a command costs on a long case, against one on a short case (REST, many cases, 1
            // connection): whether recording a fact gets dearer as the case grows.
            if (command is not null) results.Add(await Load.ClosedLoop($"REST command on a case of {length} events", 1, duration, (_, _) => command(caseId, officer), cpu));
        }
    }

    return timeTravel;
}

internal sealed class BenchEnvironment : IHostEnvironment
{
    public string EnvironmentName { get; set; } = "Benchmark";
    public string ApplicationName { get; set; } = "CaseTracker.Benchmarks";
    public string ContentRootPath { get; set; } = AppContext.BaseDirectory;
    public Microsoft.Extensions.FileProviders.IFileProvider ContentRootFileProvider { get; set; } = null!;
}
