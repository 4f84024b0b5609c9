namespace Multiprocessing.Managers;

/// <summary>What a manager's child process runs.</summary>
internal static class ManagerHost
{
    /// <summary>
    /// Listens (at <paramref name="address"/>, or on a fresh Unix socket), tells the parent where through
    /// <paramref name="ready"/>, then serves until SIGTERM (<see cref="CurrentProcess.TerminationToken"/>), making
    /// custom objects with the factories in <paramref name="registry"/> (see <see cref="ManagerRegistry.Encode"/>; null for none), after running its initializer, if any.
    /// </summary>
    public static void Run(Connection ready, byte[] authKey, string? address, byte[]? registry)
    {
        ManagerRegistry factories = ManagerRegistry.Decode(registry);
        factories.Initializer?.Invoke(); // Python's initializer: before the manager serves anyone
        CancellationToken stop = CurrentProcess.TerminationToken;
        using Listener listener = address is null ? Listener.Create(authKey) : Listener.Create(ManagerAddress.Parse(address), authKey);
        using var server = new ManagerServer(listener, factories);
        using CancellationTokenRegistration registration = stop.Register(server.Dispose);
        using (ready)
        {
            ready.Send(ManagerAddress.Format(listener.Address));
        }

        server.Run();
    }
}
