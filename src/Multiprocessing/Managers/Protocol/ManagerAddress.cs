using System.Net;
using System.Net.Sockets;

namespace Multiprocessing.Managers;

/// <summary>A manager's address as a string, which crosses to a child process (an <see cref="EndPoint"/> does not).</summary>
internal static class ManagerAddress
{
    public static string Format(EndPoint address) => address switch
    {
        UnixDomainSocketEndPoint unix => "unix:" + unix.ToString(),
        IPEndPoint ip => "tcp:" + ip.ToString(),
        DnsEndPoint dns => $"dns:{dns.Port}:{dns.Host}",
        _ => throw new ArgumentException($"A manager listens on a UnixDomainSocketEndPoint or an IPEndPoint, not a {address.GetType().Name}.", nameof(address)),
    };

    /// <exception cref="FormatException">Not an address made by <see cref="Format"/>.</exception>
    public static EndPoint Parse(string text)
    {
        if (text.StartsWith("unix:", StringComparison.Ordinal))
        {
            string path = text[5..];
            return new UnixDomainSocketEndPoint(path.StartsWith('@') ? "\0" + path[1..] : path);
        }

        if (text.StartsWith("tcp:", StringComparison.Ordinal))
        {
            return IPEndPoint.Parse(text[4..]);
        }

        if (text.StartsWith("dns:", StringComparison.Ordinal))
        {
            int colon = text.IndexOf(':', 4);
            return new DnsEndPoint(text[(colon + 1)..], int.Parse(text[4..colon], System.Globalization.CultureInfo.InvariantCulture));
        }

        throw new FormatException($"Not a manager address: {text}");
    }
}
