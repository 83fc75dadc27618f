using System.Diagnostics;

namespace CaseTracker.Benchmarks;

/// <summary>Latencies of one run, in milliseconds, and what they add up to.</summary>
public sealed record Measurement(string Name, int Connections, int Operations, int Errors, double Seconds, double[] SortedMs, CpuUse Cpu)
{
    public double PerSecond => Operations / Seconds;
    public double P(double percentile) => SortedMs.Length == 0 ? double.NaN : SortedMs[Math.Min(SortedMs.Length - 1, (int)Math.Ceiling(percentile / 100 * SortedMs.Length) - 1)];
}

/// <summary>
/// Drives an operation from many workers. Closed loop finds the peak; open loop sends at a constant
/// arrival rate and measures each latency from the moment the request was due, so a stall shows up
/// in the percentiles instead of silently lowering the rate (no coordinated omission).
/// </summary>
public static class Load
{
    public static async Task<Measurement> ClosedLoop(string name, int connections, TimeSpan duration, Func<int, long, Task> operation, Cpu cpu)
    {
        var latencies = Enumerable.Range(0, connections).Select(_ => new List<double>()).ToArray();
        var errors = 0;
        var sample = cpu.Sample();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, connections).Select(worker => Task.Run(async () =>
        {
            // At least once each, however late the worker starts: on a busy machine a short run can be
            // over before a worker is first scheduled, and a run of nothing measures nothing.
            for (long n = 0; n == 0 || clock.Elapsed < duration; n++)
            {
                var started = clock.Elapsed;
                try
                {
                    await operation(worker, n);
                    latencies[worker].Add((clock.Elapsed - started).TotalMilliseconds);
                }
                catch (Exception)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        })));
        var seconds = clock.Elapsed.TotalSeconds;
        var all = latencies.SelectMany(x => x).Order().ToArray();
        return new Measurement(name, connections, all.Length, errors, seconds, all, cpu.Since(sample, seconds));
    }

    public static async Task<Measurement> OpenLoop(string name, int connections, double perSecond, TimeSpan duration, Func<int, long, Task> operation, Cpu cpu)
    {
        var latencies = Enumerable.Range(0, connections).Select(_ => new List<double>()).ToArray();
        var errors = 0;
        long next = -1;
        // A slow machine's peak, halved, over a smoke run's half second can round to no request at all.
        var total = Math.Max(1, (long)(perSecond * duration.TotalSeconds));
        var sample = cpu.Sample();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, connections).Select(worker => Task.Run(async () =>
        {
            while (true)
            {
                var n = Interlocked.Increment(ref next);
                if (n >= total) return;
                var due = TimeSpan.FromSeconds(n / perSecond);
                var wait = due - clock.Elapsed;
                if (wait > TimeSpan.Zero) await Task.Delay(wait);
                try
                {
                    await operation(worker, n);
                    latencies[worker].Add((clock.Elapsed - due).TotalMilliseconds);
                }
                catch (Exception)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        })));
        var seconds = clock.Elapsed.TotalSeconds;
        var all = latencies.SelectMany(x => x).Order().ToArray();
        return new Measurement(name, connections, all.Length, errors, seconds, all, cpu.Since(sample, seconds));
    }
}

/// <summary>CPU used by the API process, PostgreSQL and this load generator, as cores busy on average.</summary>
public sealed record CpuUse(double Api, double Postgres, double LoadGenerator);

public sealed class Cpu(Func<int?> apiProcess)
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

    public (double Api, double Postgres, double Self) Sample() =>
        (apiProcess() is { } pid ? Seconds(pid) : 0, PostgresSeconds(), Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds);

    public CpuUse Since((double Api, double Postgres, double Self) before, double wallSeconds)
    {
        var now = Sample();
        return new CpuUse((now.Api - before.Api) / wallSeconds, (now.Postgres - before.Postgres) / wallSeconds, (now.Self - before.Self) / wallSeconds);
    }

    private static double Seconds(int pid)
    {
        try
        {
            var fields = File.ReadAllText($"/proc/{pid}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return (double.Parse(fields[11]) + double.Parse(fields[12])) / TicksPerSecond;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static double PostgresSeconds() => Directory.GetDirectories("/proc")
        .Select(Path.GetFileName)
        .Where(x => int.TryParse(x, out _))
        .Where(pid => File.Exists($"/proc/{pid}/comm") && SafeRead($"/proc/{pid}/comm").Trim() == "postgres")
        .Sum(pid => Seconds(int.Parse(pid!)));

    private static string SafeRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return "";
        }
    }
}
