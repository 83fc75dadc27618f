using System.Diagnostics;
using Npgsql;
using Testcontainers.PostgreSql;

namespace CaseTracker.Tests.Support;

/// <summary>
/// One PostgreSQL server for the whole test run: the server named by
/// CASETRACKER_TEST_DB; else a Testcontainers PostgreSQL when a Docker engine answers; else a
/// throwaway cluster from this machine's PostgreSQL binaries. Each host gets its own database on it.
/// </summary>
public static class PostgresServer
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _adminConnectionString;
    private static LocalCluster? _cluster;
    private static PostgreSqlContainer? _container;

    public static async Task<string> CreateDatabaseAsync()
    {
        var admin = await AdminConnectionString();
        var name = $"casetracker_test_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"create database {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(admin) { Database = name, Pooling = true, MaxPoolSize = 60 }.ConnectionString;
    }

    /// <summary>
    /// The whole database as <c>pg_dump</c> writes it (plain SQL, every table's live rows), with the
    /// PostgreSQL binaries the local clusters are started from.
    /// </summary>
    public static async Task<string> DumpAsync(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var start = new ProcessStartInfo(Path.Combine(LocalCluster.FindBinaries("pg_dump"), "pg_dump"),
            ["--host", builder.Host!, "--port", builder.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
             "--username", builder.Username ?? "postgres", "--no-password", "--dbname", builder.Database!]);
        if (builder.Password is { } password) start.Environment["PGPASSWORD"] = password;
        var (exitCode, dump, errors) = await ChildProcess.Run(start, TimeSpan.FromMinutes(3));
        if (exitCode != 0) throw new InvalidOperationException($"pg_dump failed ({exitCode}): {errors}");
        return dump;
    }

    private static async Task<string> AdminConnectionString()
    {
        await Gate.WaitAsync();
        try
        {
            return _adminConnectionString ??= await Start();
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task<string> Start()
    {
        if (Environment.GetEnvironmentVariable("CASETRACKER_TEST_DB") is { Length: > 0 } configured) return configured;

        if (DockerMayAnswer())
        {
            try
            {
                _container = new PostgreSqlBuilder("postgres:16-alpine").Build();
                await _container.StartAsync();
                AppDomain.CurrentDomain.ProcessExit += (_, _) => _container.DisposeAsync().AsTask().GetAwaiter().GetResult();
                return _container.GetConnectionString();
            }
            catch (Exception e)
            {
                await Console.Error.WriteLineAsync($"Docker did not give a PostgreSQL ({e.Message}); using a local cluster.");
            }
        }

        _cluster = await LocalCluster.Start();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => _cluster.Stop();
        return _cluster.ConnectionString;
    }

    private static bool DockerMayAnswer() =>
        Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } || File.Exists("/var/run/docker.sock");

    /// <summary>A cluster in a temporary folder, started with initdb/pg_ctl (as the postgres user when root).</summary>
    public sealed class LocalCluster
    {
        private readonly string _bin;
        private readonly string _root;

        private readonly bool _durable;

        private LocalCluster(string bin, string root, int port, bool durable)
        {
            _bin = bin;
            _root = root;
            _durable = durable;
            Port = port;
            ConnectionString = $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Timeout=15";
        }

        public int Port { get; }
        public string ConnectionString { get; }
        private string Data => Path.Combine(_root, "data");

        /// <param name="durable">
        /// keep fsync and synchronous commit on; the shared test server turns them off for speed, which
        /// is fine until a test crashes the server and expects every acknowledged commit to survive
        /// </param>
        public static async Task<LocalCluster> Start(bool durable = false)
        {
            var bin = FindBinaries();
            StopOrphans(bin);
            var root = Path.Combine(Path.GetTempPath(), $"{Prefix}{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
            Directory.CreateDirectory(root);
            var port = Ports.Free();
            var cluster = new LocalCluster(bin, root, port, durable);

            if (IsRoot()) Run("chown", $"postgres \"{root}\"", asPostgres: false);
            cluster.RunPg("initdb", $"-D \"{cluster.Data}\" -U postgres -A trust --no-sync -E UTF8");
            cluster.StartAgain();

            await using var connection = new NpgsqlConnection(cluster.ConnectionString);
            await connection.OpenAsync();
            return cluster;
        }

        private const string Prefix = "casetracker-pg-";

        /// <summary>
        /// The test platform may end a test host once its results are in, before ProcessExit handlers
        /// run, which leaves that run's cluster running with nobody to stop it. Each start stops and
        /// removes the clusters whose owning process (named in the folder) is gone.
        /// </summary>
        private static void StopOrphans(string bin)
        {
            // The shared server and a fault test's own server start side by side; both would remove
            // the same orphan, and the slower one would fail its fixture on files already gone.
            lock (OrphanGate)
            {
                foreach (var root in Directory.GetDirectories(Path.GetTempPath(), $"{Prefix}*")) StopOrphan(bin, root);
            }
        }

        private static readonly Lock OrphanGate = new();

        private static void StopOrphan(string bin, string root)
        {
            var owner = Path.GetFileName(root)[Prefix.Length..].Split('-')[0];
            if (!int.TryParse(owner, out var pid) || IsAlive(pid)) return;

            var orphan = new LocalCluster(bin, root, 0, durable: false);
            try
            {
                if (Directory.Exists(orphan.Data)) orphan.RunPg("pg_ctl", $"-D \"{orphan.Data}\" -m immediate stop");
            }
            catch (InvalidOperationException)
            {
                // Not running any more; its files are removed all the same.
            }

            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (DirectoryNotFoundException)
            {
                // Another test run on this machine removed it first.
            }
        }

        private static bool IsAlive(int pid)
        {
            try
            {
                using var process = Process.GetProcessById(pid);
                return !process.HasExited;
            }
            catch (ArgumentException)
            {
                return false;
            }
        }

        /// <summary>Starts the stopped server again on the same port and data.</summary>
        public void StartAgain() => RunPg("pg_ctl",
            $"-D \"{Data}\" -l \"{Path.Combine(_root, "log")}\" -w -t 60 " +
            $"-o \"-p {Port} -k {_root} -c listen_addresses=127.0.0.1 -c max_connections=300{(_durable ? "" : " -c fsync=off -c synchronous_commit=off -c full_page_writes=off")}\" start");

        /// <summary>What a crash looks like to clients: every connection cut, no clean shutdown.</summary>
        public void StopImmediate() => RunPg("pg_ctl", $"-D \"{Data}\" -m immediate -w stop");

        public void Stop()
        {
            try
            {
                RunPg("pg_ctl", $"-D \"{Data}\" -m immediate stop");
                Directory.Delete(_root, recursive: true);
            }
            catch (Exception e)
            {
                Console.Error.WriteLine($"Could not stop the test cluster in {_root}: {e.Message}");
            }
        }

        private void RunPg(string tool, string arguments) => Run(Path.Combine(_bin, tool), arguments, asPostgres: IsRoot());

        private static void Run(string file, string arguments, bool asPostgres)
        {
            var start = asPostgres
                ? new ProcessStartInfo("runuser", $"-u postgres -- \"{file}\" {arguments}")
                : new ProcessStartInfo(file, arguments);
            start.RedirectStandardOutput = true;
            start.RedirectStandardError = true;
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            // pg_ctl waits at most 60 s itself (-t 60); this only keeps a wedged tool from hanging the run.
            if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
            {
                ChildProcess.Kill(process);
                throw new TimeoutException($"{file} {arguments} did not finish within 3 minutes and was killed.");
            }

            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{file} {arguments} failed ({process.ExitCode}): {output.Result}{error.Result}");
            }
        }

        /// <param name="tool">the binary that must be there</param>
        public static string FindBinaries(string tool = "initdb")
        {
            var candidates = Directory.Exists("/usr/lib/postgresql")
                ? Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(x => int.TryParse(Path.GetFileName(x), out var v) ? v : 0)
                    .Select(x => Path.Combine(x, "bin"))
                : [];
            var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':');
            return candidates.Concat(path).FirstOrDefault(x => File.Exists(Path.Combine(x, tool)))
                   ?? throw new InvalidOperationException(
                       $"No PostgreSQL binaries ({tool}) found and no Docker engine answered; install postgresql or set CASETRACKER_TEST_DB.");
        }

        private static bool IsRoot() => Environment.UserName == "root";
    }
}
