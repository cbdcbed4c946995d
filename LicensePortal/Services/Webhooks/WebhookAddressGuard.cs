using System.Net;
using System.Net.Sockets;

namespace LicensePortal.Services.Webhooks;

/// <summary>A delivery was not sent: the address its host name resolved to is loopback, link-local or private.</summary>
public sealed class WebhookAddressRefusedException(string host, IPAddress address)
    : Exception($"{host} resolved to {address}, a loopback, link-local or private address (Webhooks:AllowPrivateNetworks is off)")
{
    public IPAddress Address { get; } = address;
}

/// <summary>
/// Which addresses a webhook may connect to. The check runs in <see cref="SocketsHttpHandler.ConnectCallback"/> on the
/// address actually connected to, after DNS, so a name that resolves to a public address when registered and to
/// 127.0.0.1 when delivered (DNS rebinding) is still refused.
/// </summary>
public static class WebhookAddressGuard
{
    private static readonly IPNetwork[] Refused =
    [
        IPNetwork.Parse("0.0.0.0/8"),
        IPNetwork.Parse("10.0.0.0/8"),
        IPNetwork.Parse("100.64.0.0/10"), // carrier-grade NAT
        IPNetwork.Parse("127.0.0.0/8"),
        IPNetwork.Parse("169.254.0.0/16"), // link-local, cloud metadata services
        IPNetwork.Parse("172.16.0.0/12"),
        IPNetwork.Parse("192.0.0.0/24"),
        IPNetwork.Parse("192.168.0.0/16"),
        IPNetwork.Parse("198.18.0.0/15"),
        IPNetwork.Parse("224.0.0.0/3"), // multicast and reserved
        IPNetwork.Parse("::/128"),
        IPNetwork.Parse("::1/128"),
        IPNetwork.Parse("fc00::/7"),
        IPNetwork.Parse("fe80::/10"),
        IPNetwork.Parse("fec0::/10"),
        IPNetwork.Parse("ff00::/8"),
    ];

    /// <summary>Loopback, link-local, private or otherwise not a public unicast address (IPv4-mapped IPv6 judged as IPv4).</summary>
    public static bool IsPrivate(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        return Refused.Any(n => n.Contains(address));
    }

    /// <summary>The handler's connect step: resolve, refuse private addresses unless allowed, connect to the first allowed one.</summary>
    public static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> ConnectCallback(Func<bool> allowPrivate) => async (context, cancellationToken) =>
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        IPAddress? refused = null;
        Exception? lastError = null;
        foreach (var address in addresses)
        {
            if (!allowPrivate() && IsPrivate(address))
            {
                refused ??= address;
                continue;
            }
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (Exception ex) when (ex is SocketException)
            {
                socket.Dispose();
                lastError = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        if (lastError is not null)
        {
            throw lastError;
        }
        throw refused is not null ? new WebhookAddressRefusedException(host, refused) : new SocketException((int)SocketError.HostNotFound);
    };
}
