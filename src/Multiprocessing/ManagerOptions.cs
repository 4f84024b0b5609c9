using System.Net;

namespace Multiprocessing;

/// <summary>How <see cref="Manager.Start"/> starts a manager.</summary>
public sealed class ManagerOptions
{
    /// <summary>
    /// Where the manager listens: a <see cref="System.Net.Sockets.UnixDomainSocketEndPoint"/> or an
    /// <see cref="IPEndPoint"/> (port 0 for any free port); null (the default) for a fresh Unix socket in a private
    /// directory, as Python's default.
    /// </summary>
    public EndPoint? Address { get; init; }

    /// <summary>The key clients must have; null (the default) for 32 random bytes. Read it back from <see cref="Manager.AuthKey"/>.</summary>
    public byte[]? AuthKey { get; init; }

    /// <summary>The manager process's name; null for the default <c>ChildProcess-N</c>.</summary>
    public string? Name { get; init; }

    /// <summary>How long <see cref="Manager.Start"/> waits for the manager process to listen; default 30 s.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
