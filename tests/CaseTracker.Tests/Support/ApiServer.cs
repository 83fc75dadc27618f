using System.Collections.Concurrent;
using System.Diagnostics;

namespace CaseTracker.Tests.Support;

/// <summary>The built API as a real process on a loopback port, for tests that kill or multiply it.</summary>
public sealed class ApiServer : IAsyncDisposable
{
    /// <summary>
    /// Start-up includes the JIT and, on a fresh database, Marten's and Wolverine's schema; on two cores
    /// shared with other work that has taken well over a minute.
    /// </summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    private readonly Dictionary<string, string?> _environment;
    private readonly ConcurrentQueue<string> _log = new();
    private readonly bool _portChosen;
    private Process? _process;
    private bool _startedOnce;

    public ApiServer(Dictionary<string, string?> environment, int? port = null)
    {
        _environment = environment;
        _portChosen = port is not null;
        Port = port ?? Ports.Free();
    }

    public int Port { get; private set; }
    public Uri Address => new($"http://127.0.0.1:{Port}");
    public int? ProcessId => _process?.Id;

    public async Task StartAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? StartTimeout);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await StartOnce(deadline);
                _startedOnce = true;
                return;
            }
            catch (PortTakenException) when (!_startedOnce && !_portChosen && attempt < 3)
            {
                // Taken between the check and the bind; before anyone holds its address, another will do.
                Port = Ports.Free();
            }
        }
    }

    private async Task StartOnce(DateTime deadline)
    {
        var api = Path.Combine(AppContext.BaseDirectory, "CaseTracker.Api.dll");
        var start = new ProcessStartInfo("dotnet", [api, "--urls", Address.ToString().TrimEnd('/')])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // The content root, where the dashboard's files are.
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var (key, value) in _environment) start.Environment[key] = value;
        _log.Clear();
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        try
        {
            using var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(10) };
            while (DateTime.UtcNow < deadline)
            {
                if (_process.HasExited)
                {
                    _process.WaitForExit();
                    var log = Log();
                    if (log.Contains("address already in use", StringComparison.OrdinalIgnoreCase)) throw new PortTakenException(log);
                    throw new InvalidOperationException($"The API exited with {_process.ExitCode} while starting:\n{log}");
                }

                try
                {
                    if ((await client.GetAsync("/health/ready")).IsSuccessStatusCode) return;
                }
                catch (HttpRequestException)
                {
                }
                catch (TaskCanceledException)
                {
                }

                await Task.Delay(200);
            }

            throw new TimeoutException($"The API did not become ready by {deadline:O}:\n{Log()}");
        }
        catch
        {
            Kill();
            throw;
        }
    }

    /// <summary>kill -9: no shutdown hooks, no flush, in-flight requests cut.</summary>
    public void Kill()
    {
        if (_process is { } process) ChildProcess.Kill(process);
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        await Task.CompletedTask;
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        _log.Enqueue(line);
        while (_log.Count > 200) _log.TryDequeue(out _);
    }

    private string Log() => string.Join('\n', _log);

    private sealed class PortTakenException(string log) : Exception($"The API's port was taken:\n{log}");
}
