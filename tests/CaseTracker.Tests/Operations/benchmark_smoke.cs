using System.Diagnostics;
using System.Text.Json;
using CaseTracker.Tests.Support;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Operations;

/// <summary>
/// The benchmark harness, run tiny so that it cannot rot: it must finish, answer every request and
/// report every target. No figure is asserted; times belong to ops/bench, not to CI.
/// </summary>
public class benchmark_smoke
{
    [Fact]
    public async Task ops_bench_smoke_runs_every_scenario_without_a_failed_request_and_reports_every_target()
    {
        var output = Directory.CreateTempSubdirectory("casetracker-bench-").FullName;
        var start = new ProcessStartInfo("bash", [Path.Combine(Repository.Root(), "ops", "bench"), "--smoke"])
        {
            WorkingDirectory = Repository.Root(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["CASETRACKER_BENCH_OUT"] = output, ["CASETRACKER_BENCH_PORT"] = "55439" },
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

    private static async Task RunSmoke(ProcessStartInfo start, string output)
    {
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        await process.WaitForExitAsync(timeout.Token);

        process.ExitCode.ShouldBe(0, await stderr);
        (await stdout).ShouldContain("target: store path / raw insert");
        using var results = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "results.json")));
        var root = results.RootElement;
        root.GetProperty("smoke").GetBoolean().ShouldBeTrue();
        var runs = root.GetProperty("runs").EnumerateArray().ToList();
        runs.Select(x => x.GetProperty("name").GetString()).ShouldContain("REST, many cases");
        runs.Select(x => x.GetProperty("name").GetString()).ShouldContain("REST, one hot case");
        runs.ShouldAllBe(x => x.GetProperty("operations").GetInt64() > 0);
        runs.ShouldAllBe(x => x.GetProperty("errors").GetInt64() == 0);
        root.GetProperty("rebuilds").EnumerateArray().Select(x => x.GetProperty("projection").GetString())
            .ShouldBe(["CaseHeaderProjection", "CaseDetailsEntriesProjection", "CaseEntriesProjection", "DefendantProfileProjection", "DashboardStatsProjection"]);
        root.GetProperty("targets").EnumerateObject().Count().ShouldBe(7);
    }
}
