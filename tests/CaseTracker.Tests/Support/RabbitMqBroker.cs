using System.Diagnostics;
using System.Net.Sockets;
using RabbitMQ.Client;

namespace CaseTracker.Tests.Support;

/// <summary>
/// A throwaway RabbitMQ broker from this machine's rabbitmq-server (Debian's package, which ops/test
/// installs), as a child process: its own node name, data and log folders in a temporary folder,
/// and its own free ports for AMQP, Erlang distribution and the Erlang port mapper, so it never
/// meets another broker, another test run or a system-wide one. Stopped and started again on the
/// same port and data, it keeps durable queues, as a real broker restart does.
/// </summary>
public sealed class RabbitMqBroker : IAsyncDisposable
{
    public const string Server = "/usr/lib/rabbitmq/bin/rabbitmq-server";

    private const string Prefix = "casetracker-rabbitmq-";
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"{Prefix}{Environment.ProcessId}-{Guid.NewGuid():N}"[..45]);
    private readonly int _distributionPort = Ports.Free();
    private readonly int _portMapperPort = Ports.Free();
    private Process? _server;

    public int Port { get; } = Ports.Free();

    public Uri Uri => new($"amqp://guest:guest@127.0.0.1:{Port}/");

    public static bool Installed => File.Exists(Server);

    public static async Task<RabbitMqBroker> Start()
    {
        if (!Installed)
        {
            throw new InvalidOperationException(
                $"No RabbitMQ at {Server}: run ops/test, which installs Debian's rabbitmq-server, or apt-get install rabbitmq-server.");
        }

        StopOrphans();
        var broker = new RabbitMqBroker();
        Directory.CreateDirectory(broker._root);
        await File.WriteAllTextAsync(Path.Combine(broker._root, "epmd.port"), broker._portMapperPort.ToString());
        // guest may connect from loopback only, which is where this broker listens.
        await File.WriteAllTextAsync(Path.Combine(broker._root, "rabbitmq.conf"), $"listeners.tcp.default = 127.0.0.1:{broker.Port}\n");
        await File.WriteAllTextAsync(Path.Combine(broker._root, "enabled_plugins"), "[].\n");
        await broker.StartAgain();
        return broker;
    }

    /// <summary>Starts the stopped broker again, on the same port and data; returns once it accepts AMQP connections.</summary>
    public async Task StartAgain()
    {
        var start = new ProcessStartInfo(Server)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _root,
            Environment =
            {
                ["HOME"] = _root,
                ["RABBITMQ_CONF_ENV_FILE"] = Path.Combine(_root, "no-env-file"),
                ["RABBITMQ_CONFIG_FILE"] = Path.Combine(_root, "rabbitmq"),
                ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(_root, "enabled_plugins"),
                ["RABBITMQ_MNESIA_BASE"] = Path.Combine(_root, "mnesia"),
                ["RABBITMQ_LOG_BASE"] = Path.Combine(_root, "log"),
                ["RABBITMQ_NODENAME"] = $"casetracker-test-{Port}@localhost",
                ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
                ["RABBITMQ_NODE_PORT"] = Port.ToString(),
                ["RABBITMQ_DIST_PORT"] = _distributionPort.ToString(),
                ["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1}",
                ["ERL_EPMD_PORT"] = _portMapperPort.ToString(),
                ["ERL_EPMD_ADDRESS"] = "127.0.0.1",
            },
        };
        _server = Process.Start(start)!;
        await File.WriteAllTextAsync(Path.Combine(_root, "server.pid"), _server.Id.ToString());
        // Read, not kept: an unread pipe that fills up would stall the broker.
        _server.OutputDataReceived += (_, _) => { };
        _server.ErrorDataReceived += (_, _) => { };
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            if (_server.HasExited)
            {
                throw new InvalidOperationException($"rabbitmq-server exited with {_server.ExitCode}; see {Path.Combine(_root, "log")}.");
            }

            try
            {
                await using var connection = await new ConnectionFactory { Uri = Uri }.CreateConnectionAsync();
                return;
            }
            catch (Exception e) when (e is RabbitMQ.Client.Exceptions.BrokerUnreachableException or SocketException && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }

    /// <summary>Stops the broker as an orderly shutdown does: clients see their connections closed.</summary>
    public void Stop()
    {
        if (_server is not { HasExited: false } server) return;

        // The launched script became the Erlang VM itself (exec), which shuts down cleanly on SIGTERM.
        Process.Start("kill", ["-TERM", server.Id.ToString()])!.WaitForExit();
        if (!server.WaitForExit(TimeSpan.FromMinutes(1))) ChildProcess.Kill(server);
        server.Dispose();
        _server = null;
    }

    public ValueTask DisposeAsync()
    {
        Stop();
        Remove(_root, _portMapperPort);
        return ValueTask.CompletedTask;
    }

    /// <summary>The Erlang port mapper the broker started runs detached; it is this broker's alone (its own port).</summary>
    private static void Remove(string root, int portMapperPort)
    {
        try
        {
            using var portMapper = Process.Start(new ProcessStartInfo("epmd", ["-kill"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                Environment = { ["ERL_EPMD_PORT"] = portMapperPort.ToString() },
            })!;
            if (!portMapper.WaitForExit(TimeSpan.FromSeconds(30))) ChildProcess.Kill(portMapper);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Console.Error.WriteLine($"Could not stop the test broker's epmd on port {portMapperPort}: {e.Message}");
        }

        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>
    /// A test host ended before its fixtures were disposed leaves its broker running; each start stops
    /// the brokers of test runs that are gone (their process id is in the folder's name), as
    /// <see cref="PostgresServer"/> does for its clusters.
    /// </summary>
    private static void StopOrphans()
    {
        foreach (var root in Directory.GetDirectories(Path.GetTempPath(), $"{Prefix}*"))
        {
            var owner = Path.GetFileName(root)[Prefix.Length..].Split('-')[0];
            if (!int.TryParse(owner, out var pid) || IsAlive(pid)) continue;

            if (File.Exists(Path.Combine(root, "server.pid")) && int.TryParse(File.ReadAllText(Path.Combine(root, "server.pid")), out var server)
                && IsAlive(server) && File.ReadAllText($"/proc/{server}/cmdline").Contains(root, StringComparison.Ordinal))
            {
                using var orphan = Process.GetProcessById(server);
                ChildProcess.Kill(orphan);
            }

            Remove(root, int.TryParse(File.ReadAllText(Path.Combine(root, "epmd.port")), out var port) ? port : 0);
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
}
