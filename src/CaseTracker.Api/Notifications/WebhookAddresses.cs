using System.Net;
using System.Net.Sockets;

namespace CaseTracker.Api.Notifications;

/// <summary>
/// Where webhooks may go. A webhook URL is a request the server makes on a user's behalf, the
/// classic server-side request forgery: without these rules a user could make CaseTracker post to
/// its own database port, a cloud metadata service or anything else on the internal network. So a
/// URL must be http(s), and every address its host resolves to must be public, both when the
/// subscription is made and on every connection (a name can resolve elsewhere later: DNS
/// rebinding). <c>Webhooks:AllowPrivateNetworks</c> lifts the address rule, for receivers on a
/// private network.
/// </summary>
public sealed class WebhookAddresses(WebhookSettings settings)
{
    public static bool IsWellFormed(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && uri.UserInfo.Length == 0
        && uri.Host.Length > 0;

    /// <summary>Why a webhook may not go to this URL now, or null if it may.</summary>
    public async Task<string?> RefusalAsync(Uri url, CancellationToken ct)
    {
        if (settings.AllowPrivateNetworks) return null;

        IPAddress[] addresses;
        try
        {
            addresses = await ResolveAsync(url.DnsSafeHost, ct);
        }
        catch (SocketException)
        {
            return $"the host {url.DnsSafeHost} does not resolve";
        }

        return Refusal(url.DnsSafeHost, addresses);
    }

    /// <summary>
    /// Opens every webhook connection (the HTTP client's connect callback): the host is resolved
    /// here and the connection made to the very addresses that were checked, so nothing can resolve
    /// the name again in between.
    /// </summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = await ResolveAsync(host, ct);
        if (!settings.AllowPrivateNetworks && Refusal(host, addresses) is { } refusal)
        {
            throw new WebhookDeliveryFailed($"Not connecting: {refusal}.");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static string? Refusal(string host, IPAddress[] addresses)
    {
        if (addresses.Length == 0) return $"the host {host} does not resolve";
        return addresses.FirstOrDefault(x => !IsPublic(x)) is { } inner
            ? $"{host} resolves to {inner}, a loopback, link-local or private address; webhooks go to public addresses only"
            : null;
    }

    private static async Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct) =>
        IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);

    /// <summary>
    /// Not loopback, unspecified, private (RFC 1918, IPv6 unique-local), shared (RFC 6598), link-local
    /// (which holds cloud metadata services), multicast, broadcast or reserved.
    /// </summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address)) return false;

        var b = address.GetAddressBytes();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return b[0] switch
            {
                0 or 10 or 127 => false,
                100 => b[1] is < 64 or >= 128,
                169 => b[1] != 254,
                172 => b[1] is < 16 or >= 32,
                192 => !(b[1] == 168 || (b[1] == 0 && b[2] is 0 or 2)),
                198 => b[1] is not (18 or 19),
                >= 224 => false,
                _ => true,
            };
        }

        return !(address.Equals(IPAddress.IPv6Any) || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal
                 || address.IsIPv6Multicast || (b[0] & 0xfe) == 0xfc
                 // IPv4-compatible addresses (::a.b.c.d) reach IPv4 hosts; judge those.
                 || (b.Take(12).All(x => x == 0) && !IsPublic(new IPAddress(b[12..]))));
    }
}
