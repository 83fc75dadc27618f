using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using CaseTracker.Api.Audit;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Privacy;
using CaseTracker.Api.Storage;
using Marten;
using Npgsql;

namespace CaseTracker.Benchmarks.Scale;

/// <summary>What one store measured: latency runs by name, and single figures.</summary>
public sealed class StoreFigures(string name, GeneratedStore store)
{
    public string Name { get; } = name;
    public GeneratedStore Store { get; } = store;
    public Dictionary<string, Measurement> Runs { get; } = [];
    public Dictionary<string, double> Values { get; } = [];
    public Dictionary<string, long> Disk { get; } = [];
    public Dictionary<string, bool> Checks { get; } = [];
}

/// <summary>
/// The scale mode of ops/bench: a store of the requested size generated in the benchmark's own
/// cluster, beside a small store generated the same way (with a case as long as the large store's
/// longest); the same figures are measured on both, one after the other, each against its own API
/// process, and every figure is reported as large ÷ small.
/// </summary>
public sealed class ScaleRun(string admin, string signingKey, string auditKey, string privacyKey, string officer, string analyst, string auditor, ReceiveTip tip, bool smoke)
{
    private readonly TimeSpan _duration = TimeSpan.FromSeconds(smoke ? 0.5 : 5);
    private readonly TimeSpan _warmUp = TimeSpan.FromSeconds(smoke ? 1 : 20);
    private readonly int _top = smoke ? 8 : 32;
    private long _unique;

    /// <summary>Sizes as ops/bench takes them: 10m, 100k, 2500.</summary>
    public static long ParseSize(string size)
    {
        var text = size.Trim().ToLowerInvariant();
        var factor = text[^1] switch { 'k' => 1_000L, 'm' => 1_000_000L, _ => 1L };
        return (long)(double.Parse(factor == 1 ? text : text[..^1], CultureInfo.InvariantCulture) * factor);
    }

    /// <summary>A few tip lines of 10,000 and more (fewer and shorter in a store too small to hold them).</summary>
    public static int[] LongCases(long events)
    {
        var longest = (int)Math.Min(12_000, Math.Max(50, events / 50));
        return [longest, longest * 9 / 10, longest * 8 / 10, longest * 7 / 10, longest * 6 / 10];
    }

    /// <summary>
    /// Both stores are built first, then measured side by side: each figure is taken in turns on
    /// the small and the large store, round after round, and the round of median throughput is kept
    /// for each; on a shared machine, measuring one store after the other would compare the
    /// neighbours' load at two moments as much as the stores.
    /// </summary>
    public async Task<(StoreFigures Small, StoreFigures Large)> Run(long events)
    {
        var longCases = LongCases(events);
        // A couple of thousand events of ordinary cases, beside one case as long as the large store's longest.
        var stores = new[]
        {
            new StoreUnderTest("small", await Build("small", (smoke ? 1_000 : 2_000) + longCases[0], [longCases[0]])),
            new StoreUnderTest("large", await Build("large", events, longCases)),
        };

        try
        {
            // Cold starts, in turns: the process started, ready, and its first answer (a case read);
            // twice each, the second process kept for the measurements, the lower figure reported.
            for (var i = 0; i < 2; i++)
            {
                foreach (var store in stores) await store.Start(signingKey, auditKey, privacyKey, officer, analyst, auditor);
            }

            foreach (var store in stores) await Check(store);
            foreach (var store in stores)
            {
                await Load.ClosedLoop("warm-up", 8, _warmUp, async (w, n) =>
                {
                    if (n % 2 == 0) await Command(store.Officer, store.WarmUpCases[w % store.WarmUpCases.Count]);
                    else await Get(store.Officer, $"/api/cases/{store.Cases[(int)(n % store.Cases.Count)]}");
                }, store.Cpu);
            }

            await InTurns(stores, "command, 1 connection", 1, store => (_, n) => Command(store.Officer, store.Cases[(int)(n % store.Cases.Count)]));
            await InTurns(stores, $"command, {_top} connections", _top, store => (w, _) => Command(store.Officer, store.Cases[w % store.Cases.Count]), lag: true);
            await InTurns(stores, "GET /api/cases/{id}", 8, store => (_, n) => Get(store.Officer, $"/api/cases/{store.Cases[(int)(n % store.Cases.Count)]}"));
            await InTurns(stores, "defendant name search", 8, store => (_, _) => Get(store.Analyst, $"/api/defendants?name={Uri.EscapeDataString(store.Figures.Store.SearchTerm)}"));
            await InTurns(stores, "GET /api/stats", 8, store => (_, _) => Get(store.Analyst, "/api/stats"));
            await InTurns(stores, "time travel, middle of the longest case", 1,
                store => (_, _) => Get(store.Auditor, $"/api/cases/{store.Figures.Store.LongestCase}?version={store.Figures.Store.LongestLength / 2}"));
            await InTurns(stores, "the longest case as it stands", 1, store => (_, _) => Get(store.Auditor, $"/api/cases/{store.Figures.Store.LongestCase}"));
        }
        finally
        {
            foreach (var store in stores) store.Dispose();
        }

        return (stores[0].Figures, stores[1].Figures);
    }

    private async Task InTurns(StoreUnderTest[] stores, string name, int connections, Func<StoreUnderTest, Func<int, long, Task>> operation, bool lag = false)
    {
        var runs = stores.ToDictionary(x => x, _ => new List<Measurement>());
        var lags = stores.ToDictionary(x => x, _ => new List<double>());
        for (var round = 0; round < (smoke ? 1 : 3); round++)
        {
            foreach (var store in stores)
            {
                var probe = lag ? new LagProbe(store.ConnectionString) : null;
                var sampling = probe?.Sample();
                runs[store].Add(await Load.ClosedLoop(name, connections, _duration, operation(store), store.Cpu));
                if (probe is not null) lags[store].AddRange(await probe.Stop(sampling!));
            }
        }

        foreach (var store in stores)
        {
            store.Figures.Runs[name] = runs[store].OrderBy(x => x.PerSecond).ElementAt(runs[store].Count / 2);
            if (!lag) continue;
            var samples = lags[store].Order().DefaultIfEmpty(0).ToList();
            store.Figures.Values[$"projection lag under {connections} connections, max (s)"] = samples[^1];
            store.Figures.Values[$"projection lag under {connections} connections, p95 (s)"] = samples[(int)(0.95 * (samples.Count - 1))];
        }
    }

    /// <summary>One store under measurement: its API process, clients and the cases the runs go to.</summary>
    private sealed class StoreUnderTest(string name, (string ConnectionString, GeneratedStore Store, Dictionary<string, long> Disk) built) : IDisposable
    {
        private readonly List<(double Ready, double FirstAnswer)> _starts = [];
        private ApiProcess? _api;

        public StoreFigures Figures { get; } = Disked(new StoreFigures(name, built.Store), built.Disk);
        public string ConnectionString { get; } = built.ConnectionString;
        public List<Guid> Cases { get; } = [.. built.Store.Sample.Take(64)];
        public List<Guid> WarmUpCases { get; } = [.. built.Store.Sample.Skip(64).DefaultIfEmpty(built.Store.Sample[0])];
        public HttpClient Officer { get; private set; } = null!;
        public HttpClient Analyst { get; private set; } = null!;
        public HttpClient Auditor { get; private set; } = null!;
        public Cpu Cpu => new(() => _api?.Id);

        private static StoreFigures Disked(StoreFigures figures, Dictionary<string, long> disk)
        {
            foreach (var (what, bytes) in disk) figures.Disk[what] = bytes;
            return figures;
        }

        public async Task Start(string signingKey, string auditKey, string privacyKey, string officer, string analyst, string auditor)
        {
            _api?.Stop();
            DisposeClients();
            _api = await ApiProcess.Start(ConnectionString, signingKey, auditKey, privacyKey);
            Officer = Client(_api, officer);
            Analyst = Client(_api, analyst);
            Auditor = Client(_api, auditor);
            var clock = Stopwatch.StartNew();
            (await Officer.GetAsync($"/api/cases/{Cases[0]}")).EnsureSuccessStatusCode();
            _starts.Add((_api.StartedIn.TotalSeconds, _api.StartedIn.TotalSeconds + clock.Elapsed.TotalSeconds));
            Figures.Values["cold start, ready (s)"] = _starts.Min(x => x.Ready);
            Figures.Values["cold start, first answer (s)"] = _starts.Min(x => x.FirstAnswer);
        }

        private void DisposeClients()
        {
            Officer?.Dispose();
            Analyst?.Dispose();
            Auditor?.Dispose();
        }

        public void Dispose()
        {
            DisposeClients();
            _api?.Stop();
        }
    }

    /// <summary>Correctness first: sealed like the API's events, read models built from all of them.</summary>
    private static async Task Check(StoreUnderTest store)
    {
        var figures = store.Figures;
        var generated = figures.Store;
        foreach (var caseId in new[] { generated.LongestCase }.Concat(store.Cases.Take(3)))
        {
            var integrity = JsonNode.Parse(await store.Auditor.GetStringAsync($"/api/cases/{caseId}/integrity"))!;
            figures.Checks[$"hash chain of {(caseId == generated.LongestCase ? "the longest case" : $"case {caseId}")} valid"] = integrity["valid"]!.GetValue<bool>();
        }

        figures.Checks["every closed case archived, none refused"] = generated.ArchivedCases == generated.EveryClosedCase;
        var stats = JsonNode.Parse(await store.Analyst.GetStringAsync("/api/stats"))!;
        figures.Checks["dashboard counts every open and closed case"] =
            stats["cases"]!["open"]!.GetValue<int>() == generated.OpenCases && stats["cases"]!["closed"]!.GetValue<int>() == generated.ClosedCases;
        figures.Values["people identified (dashboard)"] = stats["defendants"]!.GetValue<long>();
        figures.Checks["dashboard counts every person the reader may know of"] = stats["defendants"]!.GetValue<long>() == generated.VisiblePeople;
        var longest = JsonNode.Parse(await store.Auditor.GetStringAsync($"/api/cases/{generated.LongestCase}"))!;
        figures.Checks["the longest case reads at its full length"] = longest["version"]!.GetValue<long>() == generated.LongestLength;
        var search = JsonNode.Parse(await store.Analyst.GetStringAsync($"/api/defendants?name={Uri.EscapeDataString(generated.SearchTerm)}"))!;
        figures.Values["search total returned"] = search["total"]!.GetValue<long>();
        figures.Values["search total expected"] = generated.SearchMatches;
    }

    private async Task<(string ConnectionString, GeneratedStore Store, Dictionary<string, long> Disk)> Build(string name, long events, int[] longCases)
    {
        var database = $"casetracker_scale_{name}_{DateTime.UtcNow:yyyyMMddHHmmss}";
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"create database {database}", connection);
            await create.ExecuteNonQueryAsync();
        }

        var connectionString = new NpgsqlConnectionStringBuilder(admin) { Database = database, MaxPoolSize = 100 }.ConnectionString;
        var key = new AuditKey(auditKey);
        var personalKeys = new PersonalKeys(new MasterKey(privacyKey));
        using var store = (DocumentStore)DocumentStore.For(opts => opts.ConfigureCaseTracker(connectionString, new EventSeal(key, TimeProvider.System), personalKeys));
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        var generator = new StoreGenerator(store, key, personalKeys, seed: name == "small" ? 7 : 11);
        Console.Error.WriteLine($"scale: generating the {name} store, about {events:N0} events");
        var generated = await generator.Generate(events, longCases);
        Console.Error.WriteLine($"scale: {generated.Events:N0} events in {generated.GenerationSeconds:0.0} s; building the read models");
        await generator.BuildReadModels(generated);
        foreach (var (projection, seconds) in generated.Rebuilds) Console.Error.WriteLine($"scale: rebuilt {projection} in {seconds:0.0} s");

        // As a deployment running the nightly archive would be: every closed case and disposed exhibit
        // archived. The generator records long cases' events three days apart, into the future, so
        // the cut-off is set past all of them.
        var archiving = Stopwatch.StartNew();
        var archived = await new ClosedStreamArchive(store, new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build(), TimeProvider.System)
            .RunAsync(DateTimeOffset.UtcNow.AddYears(100), ClosedStreamArchive.DefaultBatch, CancellationToken.None);
        foreach (var (streamId, reason) in archived.Failed) Console.Error.WriteLine($"scale: not archived {streamId}: {reason}");
        generated.ArchivedStreams = archived.Cases + archived.Exhibits;
        generated.ArchivedCases = archived.Cases;
        generated.ArchiveSeconds = archiving.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"scale: archived {archived.Cases:N0} closed cases and {archived.Exhibits:N0} disposed exhibits in {generated.ArchiveSeconds:0.0} s");
        return (connectionString, generated, await DiskUse(connectionString));
    }

    private static async Task<Dictionary<string, long>> DiskUse(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using (var checkpoint = new NpgsqlCommand("vacuum analyze", connection)) await checkpoint.ExecuteNonQueryAsync();
        await using var command = new NpgsqlCommand($"""
            select 'database', pg_database_size(current_database())
            union all select 'events', sum(pg_total_relation_size(relid))::bigint from pg_partition_tree('{StoreConfiguration.Schema}.mt_events')
            union all select 'events, active', pg_total_relation_size('{StoreConfiguration.Schema}.mt_events_default')
            union all select 'events, archived', pg_total_relation_size('{StoreConfiguration.Schema}.mt_events_archived')
            union all select 'streams', sum(pg_total_relation_size(relid))::bigint from pg_partition_tree('{StoreConfiguration.Schema}.mt_streams')
            union all select 'read models', coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint from pg_class c join pg_namespace n on n.oid = c.relnamespace
                where n.nspname = '{StoreConfiguration.Schema}' and c.relkind = 'r' and c.relname like 'mt_doc_%'
            union all select 'table ' || c.relname, pg_total_relation_size(c.oid) from pg_class c join pg_namespace n on n.oid = c.relnamespace
                where n.nspname = '{StoreConfiguration.Schema}' and c.relkind in ('r', 'p') and pg_total_relation_size(c.oid) > 1000000
            """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var sizes = new Dictionary<string, long>();
        while (await reader.ReadAsync()) sizes[reader.GetString(0)] = reader.GetInt64(1);
        return sizes;
    }

    private static HttpClient Client(ApiProcess api, string token)
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = api.Address, Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        return client;
    }

    private async Task Command(HttpClient http, Guid caseId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/cases/{caseId}/tips") { Content = JsonContent.Create(tip) };
        request.Headers.Add("Idempotency-Key", $"scale-{Interlocked.Increment(ref _unique)}");
        using var response = await http.SendAsync(request);
        if (!response.IsSuccessStatusCode) throw new HttpRequestException($"{(int)response.StatusCode}");
    }

    private static async Task Get(HttpClient http, string url)
    {
        using var response = await http.GetAsync(url);
        if (!response.IsSuccessStatusCode) throw new HttpRequestException($"{(int)response.StatusCode}");
        await response.Content.ReadAsByteArrayAsync();
    }

    /// <summary>
    /// How far behind each asynchronous projection is, in seconds: the age of the oldest event it has
    /// not applied yet (0 when it is caught up), sampled every 250 ms. Marten's tombstones (rows that
    /// fill the sequence numbers of an append that failed) carry no time and are not waited for.
    /// </summary>
    private sealed class LagProbe(string connectionString)
    {
        private readonly CancellationTokenSource _stop = new();

        public Task<List<double>> Sample() => Task.Run(async () =>
        {
            var samples = new List<double>();
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            while (!_stop.IsCancellationRequested)
            {
                await using var command = new NpgsqlCommand($"""
                    select coalesce(max(extract(epoch from now() - (select e.timestamp from {StoreConfiguration.Schema}.mt_events e
                        where e.seq_id > p.last_seq_id and isfinite(e.timestamp) order by e.seq_id limit 1))), 0)::float8
                    from {StoreConfiguration.Schema}.mt_event_progression p where p.name in ('DefendantProfile:All', 'DefendantNames:All', 'DashboardStats:All', 'PeopleCount:All', 'RestrictedCaseTotals:All')
                    """, connection);
                samples.Add((double)(await command.ExecuteScalarAsync())!);
                try
                {
                    await Task.Delay(250, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }

            return samples;
        });

        public async Task<List<double>> Stop(Task<List<double>> sampling)
        {
            await _stop.CancelAsync();
            return await sampling;
        }
    }

    /// <summary>Prints the comparison and writes scale.json beside results.json.</summary>
    public void Report(string folder, StoreFigures small, StoreFigures large)
    {
        double Ratio(double value, double baseline) => baseline == 0 || !double.IsFinite(baseline) ? double.NaN : Math.Round(value / baseline, 3);
        var rows = new List<object>();
        void Row(string figure, double smallValue, double largeValue, string unit)
        {
            var ratio = Ratio(largeValue, smallValue);
            double? Json(double value) => double.IsFinite(value) ? Math.Round(value, 3) : null;
            rows.Add(new { Figure = figure, Unit = unit, Small = Json(smallValue), Large = Json(largeValue), Ratio = Json(ratio) });
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{figure,-58} {unit,-6} {smallValue,12:0.###} {largeValue,12:0.###}  {(double.IsNaN(ratio) ? "" : $"{ratio:0.00}x")}"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"scale: small store {small.Store.Events:N0} events, {small.Store.Cases:N0} cases, {small.Store.People:N0} people; large store {large.Store.Events:N0} events, {large.Store.Cases:N0} cases, {large.Store.People:N0} people"));
        Console.WriteLine($"{"figure",-58} {"unit",-6} {"small",12} {"large",12}  large/small");
        foreach (var run in small.Runs.Keys)
        {
            Row($"{run} p50", small.Runs[run].P(50), large.Runs[run].P(50), "ms");
            Row($"{run} p99", small.Runs[run].P(99), large.Runs[run].P(99), "ms");
            Row($"{run} throughput", small.Runs[run].PerSecond, large.Runs[run].PerSecond, "ops/s");
        }

        foreach (var value in small.Values.Keys) Row(value, small.Values[value], large.Values[value], "");
        Row("disk per million events", PerMillion(small, "database"), PerMillion(large, "database"), "MB");
        Row("… of which events", PerMillion(small, "events"), PerMillion(large, "events"), "MB");
        Row("… … active (not archived)", PerMillion(small, "events, active"), PerMillion(large, "events, active"), "MB");
        Row("… … archived", PerMillion(small, "events, archived"), PerMillion(large, "events, archived"), "MB");
        Row("… of which read models", PerMillion(small, "read models"), PerMillion(large, "read models"), "MB");
        foreach (var table in large.Disk.Keys.Where(x => x.StartsWith("table ", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            Row($"… {table}", PerMillion(small, table), PerMillion(large, table), "MB");
        }

        Row("generation", small.Store.Events / small.Store.GenerationSeconds, large.Store.Events / large.Store.GenerationSeconds, "ev/s");
        Row("archive of closed streams", small.Store.ArchivedStreams / small.Store.ArchiveSeconds, large.Store.ArchivedStreams / large.Store.ArchiveSeconds, "str/s");
        Row("streams archived", small.Store.ArchivedStreams, large.Store.ArchivedStreams, "");
        foreach (var (projection, seconds) in large.Store.Rebuilds)
        {
            var before = small.Store.Rebuilds.Single(x => x.Projection == projection).Seconds;
            Row($"rebuild {projection}", small.Store.Events / before, large.Store.Events / seconds, "ev/s");
        }

        Measurement Run(StoreFigures store, string name) => store.Runs[name];
        double P99Ratio(string name) => Ratio(Run(large, name).P(99), Run(small, name).P(99));
        var errors = small.Runs.Values.Concat(large.Runs.Values).Sum(x => x.Errors);
        var targets = new Dictionary<string, object>
        {
            [$"command p99 at {_top} connections, large / small (<= 1.5)"] = Target(P99Ratio($"command, {_top} connections"), 1.5, atLeast: false),
            ["command p99 at 1 connection, large / small (<= 1.5)"] = Target(P99Ratio("command, 1 connection"), 1.5, atLeast: false),
            ["GET /api/cases/{id} p99, large / small (<= 1.5)"] = Target(P99Ratio("GET /api/cases/{id}"), 1.5, atLeast: false),
            ["defendant search p99, large / small (<= 2)"] = Target(P99Ratio("defendant name search"), 2, atLeast: false),
            ["defendant search total, returned / expected (= 1)"] = Target(Ratio(large.Values["search total returned"], large.Values["search total expected"]), 1, atLeast: null),
            ["GET /api/stats p99, large / small (<= 1.5)"] = Target(P99Ratio("GET /api/stats"), 1.5, atLeast: false),
            [$"projection lag under {_top} connections, large store, max s (<= 2)"] = Target(Math.Round(large.Values[$"projection lag under {_top} connections, max (s)"], 3), 2, atLeast: false),
            ["API cold start to first answer, large / small (<= 1.5)"] = Target(Ratio(large.Values["cold start, first answer (s)"], small.Values["cold start, first answer (s)"]), 1.5, atLeast: false),
            ["time travel, middle of the longest case / as it stands, p50 (<= 1.5)"] =
                Target(Ratio(Run(large, "time travel, middle of the longest case").P(50), Run(large, "the longest case as it stands").P(50)), 1.5, atLeast: false),
            ["failed requests (0)"] = Target(errors, 0, atLeast: false),
        };
        foreach (var (target, value) in targets) Console.WriteLine($"target: {target}: {JsonSerializer.Serialize(value)}");
        foreach (var (check, passed) in small.Checks.Select(x => ($"small store: {x.Key}", x.Value)).Concat(large.Checks.Select(x => ($"large store: {x.Key}", x.Value))))
        {
            Console.WriteLine($"check: {check}: {(passed ? "yes" : "NO")}");
        }

        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "scale.json");
        File.WriteAllText(path, JsonSerializer.Serialize(new
        {
            Date = DateTimeOffset.UtcNow, Cores = Environment.ProcessorCount, Smoke = smoke,
            Stores = new[] { small, large }.Select(x => new
            {
                x.Name, x.Store.Events, x.Store.Cases, x.Store.People, x.Store.OpenCases, x.Store.ClosedCases, x.Store.RestrictedCases,
                x.Store.LongestLength, GenerationSeconds = Math.Round(x.Store.GenerationSeconds, 1),
                x.Store.ArchivedStreams, ArchiveSeconds = Math.Round(x.Store.ArchiveSeconds, 1),
                Rebuilds = x.Store.Rebuilds.Select(r => new { r.Projection, Seconds = Math.Round(r.Seconds, 1) }),
                x.Disk, x.Values, x.Checks,
                Runs = x.Runs.Values.Select(r => new
                {
                    r.Name, r.Connections, r.Operations, r.Errors, PerSecond = Math.Round(r.PerSecond, 1),
                    P50 = Math.Round(r.P(50), 2), P99 = Math.Round(r.P(99), 2),
                }),
            }),
            Figures = rows, Targets = targets,
        }, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }));
        Console.Error.WriteLine($"written to {path}");
    }

    private static double PerMillion(StoreFigures store, string what) =>
        store.Disk.TryGetValue(what, out var bytes) ? bytes / 1e6 / (store.Store.Events / 1e6) : double.NaN;

    private static object Target(double value, double target, bool? atLeast) =>
        new { Value = double.IsFinite(value) ? value : (double?)null, Target = target, Met = atLeast switch { true => value >= target, false => value <= target, null => value == target } };
}
