using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CaseTracker.Api.Audit;
using CaseTracker.Api.Privacy;
using CaseTracker.Api.Storage;
using CaseTracker.Tests.Support;
using Marten;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Operations;

/// <summary>
/// The benchmark harness, run tiny so that it cannot rot: it must finish, answer every request and
/// report every target, beside both peers, and its scale mode must generate a store that audits and
/// projects correctly. No figure is asserted; times belong to ops/bench, not to CI.
/// </summary>
public class benchmark_smoke
{
    [Fact]
    public async Task ops_bench_smoke_runs_every_scenario_without_a_failed_request_and_reports_every_target()
    {
        var output = Directory.CreateTempSubdirectory("casetracker-bench-").FullName;
        // A port of its own: a fixed one collides with a smoke run in another checkout on the same machine.
        var start = new ProcessStartInfo("bash", [Path.Combine(Repository.Root(), "ops", "bench"), "--smoke"])
        {
            WorkingDirectory = Repository.Root(),
            Environment = { ["CASETRACKER_BENCH_OUT"] = output, ["CASETRACKER_BENCH_PORT"] = Ports.Free().ToString(CultureInfo.InvariantCulture) },
        };

        try
        {
            await RunSmoke(start, output);
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    /// <summary>Every projection the product registers, in order: a generated store is projected by all of them.</summary>
    private static readonly string[] Projections =
    [
        .. new StoreOptions().ConfigureCaseTracker("Host=127.0.0.1", new EventSeal(new AuditKey(AppFixture.AuditKey), TimeProvider.System),
            new PersonalKeys(new MasterKey(AppFixture.MasterKey))).Projections.All.Select(x => x.Name),
    ];

    private static async Task RunSmoke(ProcessStartInfo start, string output)
    {
        var (exitCode, stdout, stderr) = await ChildProcess.Run(start, TimeSpan.FromMinutes(15), StopBenchCluster);

        exitCode.ShouldBe(0, stderr);
        stdout.ShouldContain("target: store path / raw insert");
        using var results = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "results.json")));
        var root = results.RootElement;
        root.GetProperty("smoke").GetBoolean().ShouldBeTrue();
        var runs = root.GetProperty("runs").EnumerateArray().ToList();
        runs.Select(x => x.GetProperty("name").GetString()).ShouldContain("REST, many cases");
        runs.Select(x => x.GetProperty("name").GetString()).ShouldContain("REST, one hot case");
        runs.ShouldAllBe(x => x.GetProperty("operations").GetInt64() > 0);
        // A peer's failures are its own, reported beside CaseTracker's; CaseTracker must have none.
        runs.Where(x => !x.GetProperty("name").GetString()!.Contains(" peer, ", StringComparison.Ordinal))
            .ShouldAllBe(x => x.GetProperty("errors").GetInt64() == 0);
        root.GetProperty("rebuilds").EnumerateArray().Select(x => x.GetProperty("projection").GetString())
            .ShouldBe(["CaseHeaderProjection", "CaseDetailsEntriesProjection", "CaseEntriesProjection", "DefendantProfileProjection", "DashboardStatsProjection"]);
        root.GetProperty("targets").EnumerateObject().Select(x => x.Name).ShouldContain(x => x.StartsWith("time travel at any point", StringComparison.Ordinal));
        root.GetProperty("targets").EnumerateObject().Count().ShouldBe(12);
        foreach (var peer in new[] { "CaseTracker", "idiomatic peer", "hand-written peer" })
        {
            runs.Select(x => x.GetProperty("name").GetString()).ShouldContain($"{peer}, fresh cases");
        }

        // The scale mode, on a tiny store: generated, sealed and projected correctly, every figure measured.
        using var scale = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "scale.json")));
        var stores = scale.RootElement.GetProperty("stores").EnumerateArray().ToList();
        stores.Count.ShouldBe(2);
        foreach (var store in stores)
        {
            store.GetProperty("events").GetInt64().ShouldBeGreaterThan(0);
            store.GetProperty("rebuilds").EnumerateArray().Select(x => x.GetProperty("projection").GetString()).ShouldBe(Projections);
            var checks = store.GetProperty("checks").EnumerateObject().ToList();
            checks.Count.ShouldBeGreaterThanOrEqualTo(7);
            checks.ShouldAllBe(x => x.Value.GetBoolean(), string.Join(", ", checks.Where(x => !x.Value.GetBoolean()).Select(x => x.Name)));
            var scaleRuns = store.GetProperty("runs").EnumerateArray().ToList();
            scaleRuns.Count.ShouldBe(7);
            scaleRuns.ShouldAllBe(x => x.GetProperty("operations").GetInt64() > 0 && x.GetProperty("errors").GetInt64() == 0);
            store.GetProperty("values").GetProperty("search total returned").GetDouble()
                .ShouldBe(store.GetProperty("values").GetProperty("search total expected").GetDouble());
        }

        scale.RootElement.GetProperty("targets").EnumerateObject().Count().ShouldBe(10);
    }

    /// <summary>
    /// ops/bench's PostgreSQL is a daemon, no longer in the killed script's process tree, and the
    /// script's exit trap never ran: stop it, or it outlives the test run.
    /// </summary>
    private static void StopBenchCluster(int scriptId)
    {
        var root = $"/var/tmp/casetracker-bench-{scriptId}";
        try
        {
            var pidFile = Path.Combine(root, "pg", "postmaster.pid");
            if (File.Exists(pidFile) && int.TryParse(File.ReadLines(pidFile).First(), out var postmaster))
            {
                using var server = Process.GetProcessById(postmaster);
                server.Kill();
                server.WaitForExit(TimeSpan.FromSeconds(30));
            }

            Directory.Delete(root, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
        {
            Console.Error.WriteLine($"Could not stop the benchmark's PostgreSQL under {root}: {e.Message}");
        }
    }
}
