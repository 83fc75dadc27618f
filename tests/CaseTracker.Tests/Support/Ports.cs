using System.Net;
using System.Net.Sockets;

namespace CaseTracker.Tests.Support;

/// <summary>Loopback ports for servers a test starts as processes of their own.</summary>
public static class Ports
{
    /// <summary>
    /// A port that was free a moment ago, chosen below the kernel's ephemeral range: a port from that
    /// range (what binding port 0 gives) can be taken by any outgoing connection on the machine between
    /// this check and the server's bind, or while a test has the server down to restart it on the same port.
    /// </summary>
    public static int Free()
    {
        var (low, _) = EphemeralRange();
        var floor = Math.Min(20000, low - 1000);
        if (floor < 10000) return AnyFree();
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(floor, low);
            if (IsFree(port)) return port;
        }

        throw new InvalidOperationException($"No free loopback port between {floor} and {low}.");
    }

    private static int AnyFree()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static (int Low, int High) EphemeralRange()
    {
        try
        {
            var fields = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return (int.Parse(fields[0]), int.Parse(fields[1]));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return (32768, 60999);
        }
    }
}
