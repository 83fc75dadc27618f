using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace CaseTracker.Tests.Support;

/// <summary>The built API as a real process on a loopback port, for tests that kill or multiply it.</summary>
public sealed class ApiServer : IAsyncDisposable
{
    private readonly Dictionary<string, string?> _environment;
    private Process? _process;

    public ApiServer(Dictionary<string, string?> environment, int? port = null)
    {
        _environment = environment;
        Port = port ?? FreePort();
    }

    public int Port { get; }
    public Uri Address => new($"http://127.0.0.1:{Port}");
    public int? ProcessId => _process?.Id;

    public async Task StartAsync(TimeSpan? timeout = null)
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
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"The API exited with {_process.ExitCode} while starting.");
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

        throw new TimeoutException("The API did not become ready.");
    }

    /// <summary>kill -9: no shutdown hooks, no flush, in-flight requests cut.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false }) _process.Kill(entireProcessTree: true);
        _process?.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        await Task.CompletedTask;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
