using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Storage;
using Marten;
using Npgsql;

namespace CaseTracker.Benchmarks;

/// <summary>What a user could write instead of an event store: plain SQL, statement by statement.</summary>
public static class Baselines
{
    private const string Event = """{"fromAgency":"US Department of Homeland Security","receivedAt":"2017-05-15T09:00:00-04:00","summary":"Online vendor 'Diana' shipping fentanyl to the US","subjectAlias":"Diana","channel":null,"tipId":"5f2c8c1e-8a50-4f9a-9d7e-0c1f4d1b2a33"}""";
    private const string Headers = """{"role":"officer","agency":"Xingtai PSB","idempotencyKey":"k"}""";
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, NpgsqlDataSource> Sources = new();

    /// <summary>One pool per database: the baselines' own, and the hand-written peer's.</summary>
    private static NpgsqlDataSource Source(string connectionString) => Sources.GetOrAdd(connectionString, NpgsqlDataSource.Create);

    public static async Task CreateTables(string connectionString)
    {
        await using var command = Source(connectionString).CreateCommand("""
            create table bench_raw (id bigserial primary key, stream uuid not null, data jsonb not null);
            create table hw_streams (id uuid primary key, version bigint not null);
            create table hw_events (seq bigserial primary key, stream uuid not null, version bigint not null, type text not null,
                                    data jsonb not null, headers jsonb not null, recorded timestamptz not null default now(), unique (stream, version));
            create table hw_readmodel (id uuid primary key, data jsonb not null);
            create table hw_idempotency (key text primary key, stream uuid not null, version bigint not null);
            """);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>One JSON row, one commit: the physical limit of the box for a write.</summary>
    public static async Task RawInsert(string connectionString)
    {
        await using var command = Source(connectionString).CreateCommand("insert into bench_raw (stream, data) values ($1, $2::jsonb)");
        command.Parameters.AddWithValue(Guid.NewGuid());
        command.Parameters.AddWithValue(Event);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// A command's work by hand: lock the stream, insert the event, bump the version, update the read
    /// model, record the key. Answers the stream's new version.
    /// </summary>
    public static async Task<long> HandWritten(string connectionString, Guid stream, string key, string eventJson = Event)
    {
        await using var connection = await Source(connectionString).OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        long version;
        await using (var select = new NpgsqlCommand("select version from hw_streams where id = $1 for update", connection, transaction))
        {
            select.Parameters.AddWithValue(stream);
            version = (long?)await select.ExecuteScalarAsync() ?? await Create(connection, transaction, stream);
        }

        await Execute(connection, transaction, "insert into hw_events (stream, version, type, data, headers) values ($1, $2, 'tip_received', $3::jsonb, $4::jsonb)",
            stream, version + 1, eventJson, Headers);
        await Execute(connection, transaction, "update hw_streams set version = $2 where id = $1", stream, version + 1);
        await Execute(connection, transaction,
            "insert into hw_readmodel (id, data) values ($1, $2::jsonb) on conflict (id) do update set data = excluded.data",
            stream, $$"""{"caseId":"{{stream}}","version":{{version + 1}},"title":"Xingtai fentanyl network","status":"open","tips":[{{eventJson}}]}""");
        await Execute(connection, transaction, "insert into hw_idempotency (key, stream, version) values ($1, $2, $3)", key, stream, version + 1);
        await transaction.CommitAsync();
        return version + 1;
    }

    /// <summary>A stream of <paramref name="length"/> tips, as many commands would have left it.</summary>
    public static async Task StreamWithTips(string connectionString, Guid stream, int length)
    {
        await using var connection = await Source(connectionString).OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await Execute(connection, transaction, "insert into hw_streams (id, version) values ($1, $2)", stream, (long)length);
        await Execute(connection, transaction,
            "insert into hw_events (stream, version, type, data, headers) select $1, v, 'tip_received', $2::jsonb, $3::jsonb from generate_series(1, $4) v",
            stream, Event, Headers, (long)length);
        await Execute(connection, transaction, "insert into hw_readmodel (id, data) values ($1, $2::jsonb)",
            stream, $$"""{"caseId":"{{stream}}","version":{{length}},"title":"Xingtai fentanyl network","status":"open","tips":[{{Event}}]}""");
        await transaction.CommitAsync();
    }

    private static async Task<long> Create(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid stream)
    {
        await Execute(connection, transaction, "insert into hw_streams (id, version) values ($1, 0) on conflict do nothing", stream);
        await using var again = new NpgsqlCommand("select version from hw_streams where id = $1 for update", connection, transaction);
        again.Parameters.AddWithValue(stream);
        return (long)(await again.ExecuteScalarAsync())!;
    }

    private static async Task Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, params object[] values)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var value in values) command.Parameters.AddWithValue(value);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The stored case (its header and entry rows) in one round trip, with nothing in between: the baseline for reading a case.</summary>
    public static async Task RawSelect(string connectionString, Guid caseId)
    {
        await using var batch = Source(connectionString).CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"select data from {StoreConfiguration.Schema}.mt_doc_caseheader where id = $1") { Parameters = { new() { Value = caseId } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"select data from {StoreConfiguration.Schema}.mt_doc_casedetailsentry where case_id = $1") { Parameters = { new() { Value = caseId } } });
        await using var reader = await batch.ExecuteReaderAsync();
        do
        {
            while (await reader.ReadAsync()) reader.GetString(0);
        } while (await reader.NextResultAsync());
    }

    public static async Task<long> EventCount(string connectionString)
    {
        await using var command = Source(connectionString).CreateCommand($"select count(*) from {StoreConfiguration.Schema}.mt_events");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Every event, in order, as text: the fastest a rebuild could read them.</summary>
    public static async Task<long> SequentialRead(string connectionString)
    {
        await using var command = Source(connectionString).CreateCommand(
            $"select seq_id, stream_id, version, type, data::text, headers::text from {StoreConfiguration.Schema}.mt_events order by seq_id");
        await using var reader = await command.ExecuteReaderAsync();
        long rows = 0;
        while (await reader.ReadAsync())
        {
            reader.GetString(4);
            rows++;
        }

        return rows;
    }
}

/// <summary>The command path without HTTP: lock and load the case, decide, append, commit (with the seal).</summary>
public static class StorePath
{
    private static readonly DateTimeOffset At = DateTimeOffset.Parse("2018-08-01T06:00:00+08:00");

    public static async Task<List<Guid>> OpenCases(IDocumentStore store, int count)
    {
        var cases = new List<Guid>();
        for (var i = 0; i < count; i++) cases.Add(await Open(store));
        return cases;
    }

    private static async Task<Guid> Open(IDocumentStore store, IReadOnlyList<object>? more = null)
    {
        var caseId = Guid.CreateVersion7();
        await using var session = Stamped(store);
        session.Events.StartStream<Case>(caseId,
            [new CaseOpened(caseId, $"BENCH-{caseId:N}"[..30], "Benchmark case", "Xingtai PSB", "Hebei, CN", [], At), .. more ?? []]);
        await session.SaveChangesAsync();
        return caseId;
    }

    public static async Task ReceiveTip(IDocumentStore store, Guid caseId, ReceiveTip tip, string key)
    {
        await using var session = Stamped(store);
        session.SetHeader("idempotencyKey", key);
        session.SetHeader("requestHash", key);
        var stream = await session.Events.FetchForExclusiveWriting<Case>(caseId);
        var (_, events) = ReceiveTipEndpoint.Post(tip, stream.Aggregate!);
        stream.AppendMany(events);
        await session.SaveChangesAsync();
    }

    /// <summary>A case of exactly <paramref name="length"/> events.</summary>
    public static async Task<Guid> CaseWithTips(IDocumentStore store, int length)
    {
        var caseId = await Open(store);
        for (var appended = 1; appended < length; appended += 200)
        {
            await using var session = Stamped(store);
            var stream = await session.Events.FetchForWriting<Case>(caseId);
            stream.AppendMany(Enumerable.Range(0, Math.Min(200, length - appended)).Select(_ => Tip()));
            await session.SaveChangesAsync();
        }

        return caseId;
    }

    /// <summary>About <paramref name="events"/> events over cases of 100, each with a person identified.</summary>
    public static async Task Corpus(IDocumentStore store, int events) =>
        await Parallel.ForAsync(0, Math.Max(1, events / 100), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, _) =>
            await Open(store, [new DefendantIdentified(Guid.CreateVersion7(), "Benchmark person", [], null, null, At),
                .. Enumerable.Range(0, 98).Select(_ => Tip())]));

    private static TipReceived Tip() =>
        new(Guid.CreateVersion7(), "US Department of Homeland Security", At, "Online vendor 'Diana' shipping fentanyl to the US", "Diana", null);

    private static IDocumentSession Stamped(IDocumentStore store)
    {
        var session = store.LightweightSession();
        session.LastModifiedBy = "bench-officer";
        session.SetHeader("role", "officer");
        session.SetHeader("agency", "Xingtai PSB");
        return session;
    }
}

/// <summary>The API (or a peer) as its own process on loopback, as it runs in production.</summary>
public sealed class ApiProcess
{
    private readonly Process _process;

    private ApiProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }
    public int? Id => _process.HasExited ? null : _process.Id;

    /// <summary>From the process's start until it first answered ready.</summary>
    public TimeSpan StartedIn { get; private set; }

    public static Task<ApiProcess> Start(string connectionString, string signingKey, string auditKey, string privacyKey)
    {
        var address = new Uri($"http://127.0.0.1:{FreePort()}");
        return Launch(new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "CaseTracker.Api.dll"), "--urls", address.ToString().TrimEnd('/')])
        {
            Environment =
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Benchmark",
                ["ConnectionStrings__CaseTracker"] = connectionString,
                ["Auth__SigningKey"] = signingKey,
                ["Audit__Key"] = auditKey,
                ["Privacy__MasterKey"] = privacyKey,
                ["Limits__RequestsPerMinute"] = "100000000",
                // Request logs at Information cost more than some commands; production runs at Warning too.
                ["Logging__LogLevel__Default"] = "Warning",
            }
        }, address, "/health/ready");
    }

    /// <summary>A peer service (Peers/), served by this program started again with <c>peer KIND</c>.</summary>
    public static Task<ApiProcess> StartPeer(string kind, string connectionString, string signingKey)
    {
        var address = new Uri($"http://127.0.0.1:{FreePort()}");
        return Launch(new ProcessStartInfo("dotnet",
            [Path.Combine(AppContext.BaseDirectory, "CaseTracker.Benchmarks.dll"), "peer", kind, "--urls", address.ToString().TrimEnd('/'), "--connection", connectionString])
        {
            Environment = { ["ASPNETCORE_ENVIRONMENT"] = "Benchmark", ["Auth__SigningKey"] = signingKey },
        }, address, "/health");
    }

    private static async Task<ApiProcess> Launch(ProcessStartInfo start, Uri address, string readyPath)
    {
        start.WorkingDirectory = AppContext.BaseDirectory;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        var clock = Stopwatch.StartNew();
        var process = Process.Start(start)!;
        var api = new ApiProcess(process, address);
        // A benchmark that fails must not leave the API running: an unhandled exception ends this
        // process without running anything after it.
        AppDomain.CurrentDomain.UnhandledException += (_, _) => api.Kill();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => api.Kill();
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (sender, line) =>
        {
            if (line.Data is null) return;
            errors.Enqueue(line.Data);
            if (errors.Count > 40) errors.TryDequeue(out var _);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            try
            {
                if ((await client.GetAsync(readyPath)).IsSuccessStatusCode)
                {
                    api.StartedIn = clock.Elapsed;
                    return api;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(50);
        }

        api.Kill();
        throw new TimeoutException((process.HasExited ? $"{start.ArgumentList[0]} exited with {process.ExitCode} while starting." : $"{start.ArgumentList[0]} did not start.")
                                   + Environment.NewLine + string.Join(Environment.NewLine, errors));
    }

    /// <summary>
    /// Below the kernel's ephemeral range, which port 0 draws from: there any outgoing connection on
    /// the machine may take the port before the API binds it.
    /// </summary>
    private static int FreePort()
    {
        var low = 32768;
        try
        {
            low = int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
        }

        for (var attempt = 0; low > 11000 && attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(Math.Min(20000, low - 1000), low);
            try
            {
                using var probe = new TcpListener(IPAddress.Loopback, port);
                probe.Start();
                return port;
            }
            catch (SocketException)
            {
            }
        }

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Stops the process as an orchestrator would (SIGTERM), so that it leaves the cluster: a killed
    /// node keeps its asynchronous projections until Wolverine declares it stale (20 s), and a node
    /// started on the same database meanwhile runs none of them.
    /// </summary>
    public void Stop()
    {
        if (_process.HasExited) return;
        if (Signal(_process.Id, 15) == 0 && _process.WaitForExit(TimeSpan.FromSeconds(60))) return;
        Kill();
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Signal(int pid, int signal);

    public void Kill()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(TimeSpan.FromSeconds(30));
    }
}
