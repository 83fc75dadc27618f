using System.Globalization;
using System.Text.Json;

namespace CaseTracker.Benchmarks;

/// <summary>Prints the table and writes results.json: every figure beside its baseline from the same run.</summary>
public static class Report
{
    public static void Write(string folder, List<Measurement> runs, List<Measurement> peers, Peers.PeerRun peerRun, int top, List<(int Events, Measurement Read)> timeTravel,
        long events, double rawReadPerSecond, List<(string Projection, double Seconds)> rebuilds, bool smoke)
    {
        Measurement Peer(string system, string cases) => peers.Single(x => x.Name == $"{system}, {cases}");
        double VersusPeer(string system, string cases) => Ratio(Peer(Peers.PeerRun.CaseTracker, cases).PerSecond, Peer(system, cases).PerSecond);
        Measurement Run(string name, int connections) => runs.Single(x => x.Name == name && x.Connections == connections);
        double Ratio(double value, double baseline) => Math.Round(value / baseline, 3);

        var rows = runs.Concat(peers).Select(run =>
        {
            var (baseline, ratio) = run.Name switch
            {
                "hand-written transaction" or "store path" or "REST, many cases" or "REST, one hot case" =>
                    ("raw insert", Ratio(run.PerSecond, Run("raw insert", run.Connections).PerSecond)),
                "REST at half peak" => ("p99 of hand-written at half peak", Ratio(run.P(99), Run("hand-written transaction at half peak", top).P(99))),
                "GET /api/stats" or "GET /api/cases/{id}" => ("p99 of raw select", Ratio(run.P(99), Run("raw select of the stored case", 8).P(99))),
                _ when run.Name.StartsWith("case at version", StringComparison.Ordinal) || run.Name.StartsWith("case as it stands", StringComparison.Ordinal) =>
                    ("p50 at 10 events", Ratio(run.P(50), timeTravel[0].Read.P(50))),
                _ when run.Name.StartsWith("REST command on a case of", StringComparison.Ordinal) =>
                    ("p50 of REST, many cases at 1", Ratio(run.P(50), Run("REST, many cases", 1).P(50))),
                _ when run.Name.StartsWith(Peers.PeerRun.Idiomatic, StringComparison.Ordinal) || run.Name.StartsWith(Peers.PeerRun.HandWritten, StringComparison.Ordinal) =>
                    ("CaseTracker ops/s ÷ this", VersusPeer(run.Name.Split(", ")[0], run.Name.Split(", ", 2)[1])),
                _ => ("", double.NaN)
            };
            return new
            {
                run.Name, run.Connections, Operations = run.Operations, run.Errors, PerSecond = Math.Round(run.PerSecond, 1),
                P50 = Math.Round(run.P(50), 2), P95 = Math.Round(run.P(95), 2), P99 = Math.Round(run.P(99), 2), P999 = Math.Round(run.P(99.9), 2),
                CpuCores = new { Api = Math.Round(run.Cpu.Api, 2), Postgres = Math.Round(run.Cpu.Postgres, 2), LoadGenerator = Math.Round(run.Cpu.LoadGenerator, 2) },
                Baseline = baseline, Ratio = double.IsNaN(ratio) ? (double?)null : ratio,
            };
        }).ToList();

        var rebuildRows = rebuilds.Select(x => new
        {
            x.Projection, EventsPerSecond = Math.Round(events / x.Seconds), RatioToRawRead = Ratio(events / x.Seconds, rawReadPerSecond)
        }).ToList();

        var targets = new Dictionary<string, object>
        {
            ["REST many cases / raw insert at top concurrency (>= 0.2)"] = Target(Ratio(Run("REST, many cases", top).PerSecond, Run("raw insert", top).PerSecond), 0.2, atLeast: true),
            ["REST many cases / hand-written transaction (>= 1.0)"] = Target(Ratio(Run("REST, many cases", top).PerSecond, Run("hand-written transaction", top).PerSecond), 1.0, atLeast: true),
            ["store path / raw insert (>= 0.3)"] = Target(Ratio(Run("store path", top).PerSecond, Run("raw insert", top).PerSecond), 0.3, atLeast: true),
            ["non-2xx REST answers at top concurrency (0)"] = Target(Run("REST, many cases", top).Errors + Run("REST, one hot case", top).Errors, 0, atLeast: false),
            ["REST p99 / hand-written p99 at half peak (<= 4)"] = Target(Ratio(Run("REST at half peak", top).P(99), Run("hand-written transaction at half peak", top).P(99)), 4, atLeast: false),
            ["slowest rebuild / raw sequential read (>= 0.25)"] = Target(rebuildRows.Min(x => x.RatioToRawRead), 0.25, atLeast: true),
            ["time travel, longest stream / 10 events (<= 3)"] = Target(Ratio(timeTravel[^1].Read.P(50), timeTravel[0].Read.P(50)), 3, atLeast: false),
            [AnyPoint] = AnyPointTarget(runs, timeTravel),
            [$"REST / idiomatic peer at {top} connections, {peerRun.Fresh} (>= 1.0)"] = Target(VersusPeer(Peers.PeerRun.Idiomatic, peerRun.Fresh), 1.0, atLeast: true),
            [$"REST / idiomatic peer at {top} connections, {peerRun.Long} (>= 2.0)"] = Target(VersusPeer(Peers.PeerRun.Idiomatic, peerRun.Long), 2.0, atLeast: true),
            [$"REST / hand-written peer at {top} connections, {peerRun.Fresh} (>= 0.5)"] = Target(VersusPeer(Peers.PeerRun.HandWritten, peerRun.Fresh), 0.5, atLeast: true),
            [$"non-2xx CaseTracker answers beside the peers (0)"] =
                Target(Peer(Peers.PeerRun.CaseTracker, peerRun.Fresh).Errors + Peer(Peers.PeerRun.CaseTracker, peerRun.Long).Errors, 0, atLeast: false),
        };

        Console.WriteLine($"{"run",-44} {"conn",4} {"ops/s",9} {"p50",7} {"p95",7} {"p99",7} {"p99.9",7} {"err",4}  cpu api/pg/gen  ratio (baseline)");
        foreach (var r in rows)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Name,-44} {r.Connections,4} {r.PerSecond,9:0.0} {r.P50,7:0.00} {r.P95,7:0.00} {r.P99,7:0.00} {r.P999,7:0.00} {r.Errors,4}  {r.CpuCores.Api,4:0.00}/{r.CpuCores.Postgres,4:0.00}/{r.CpuCores.LoadGenerator,4:0.00}  {(r.Ratio is { } x ? $"{x:0.000} ({r.Baseline})" : "")}"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"raw sequential read of {events} events: {rawReadPerSecond:0} events/s"));
        foreach (var r in rebuildRows) Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"rebuild {r.Projection,-28} {r.EventsPerSecond,9:0} events/s  {r.RatioToRawRead:0.000} of the raw read"));
        foreach (var (name, target) in targets) Console.WriteLine($"target: {name}: {JsonSerializer.Serialize(target)}");

        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "results.json");
        File.WriteAllText(path, JsonSerializer.Serialize(new
        {
            Date = DateTimeOffset.UtcNow, Cores = Environment.ProcessorCount, Smoke = smoke, Events = events,
            RawReadEventsPerSecond = Math.Round(rawReadPerSecond), Runs = rows, Rebuilds = rebuildRows, Targets = targets,
        }, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }));
        Console.Error.WriteLine($"written to {path}");
    }

    private const string AnyPoint = "time travel at any point of the longest stream / that stream as it stands, p50 (<= 1.5)";

    /// <summary>The slower of the two points measured in the longest stream (its end and its middle) against reading it as it stands.</summary>
    private static object AnyPointTarget(List<Measurement> runs, List<(int Events, Measurement Read)> timeTravel)
    {
        var length = timeTravel[^1].Events;
        var points = runs.Where(x => x.Name.StartsWith("case at version", StringComparison.Ordinal) && x.Name.EndsWith($" of {length}", StringComparison.Ordinal));
        var stands = runs.Single(x => x.Name == $"case as it stands, {length} events");
        return Target(Math.Round(points.Max(x => x.P(50)) / stands.P(50), 3), 1.5, atLeast: false);
    }

    /// <summary>The time-travel runs alone (<c>--time-travel</c>): their rows and their two targets.</summary>
    public static void TimeTravel(List<(int Events, Measurement Read)> timeTravel, List<Measurement> runs)
    {
        Console.WriteLine($"{"run",-44} {"ops/s",9} {"p50",7} {"p95",7} {"p99",7}  p50 ÷ p50 at 10 events");
        foreach (var run in runs)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{run.Name,-44} {run.PerSecond,9:0.0} {run.P(50),7:0.00} {run.P(95),7:0.00} {run.P(99),7:0.00}  {run.P(50) / timeTravel[0].Read.P(50):0.000}"));
        }

        Console.WriteLine($"target: time travel, longest stream / 10 events (<= 3): {JsonSerializer.Serialize(Target(Math.Round(timeTravel[^1].Read.P(50) / timeTravel[0].Read.P(50), 3), 3, atLeast: false))}");
        Console.WriteLine($"target: {AnyPoint}: {JsonSerializer.Serialize(AnyPointTarget(runs, timeTravel))}");
    }

    private static object Target(double value, double target, bool atLeast) =>
        new { Value = value, Target = target, Met = atLeast ? value >= target : value <= target };
}
