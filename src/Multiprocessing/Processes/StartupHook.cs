using Multiprocessing.Processes;

/// <summary>
/// The .NET startup hook (<c>DOTNET_STARTUP_HOOKS=Multiprocessing</c>) that turns a relaunched copy of the
/// application into a worker before its <c>Main</c> runs. It does nothing in any other process.
/// </summary>
#pragma warning disable CA1050 // The runtime looks for a type named StartupHook in the global namespace.
internal static class StartupHook
#pragma warning restore CA1050
{
    /// <summary>Called by the runtime before <c>Main</c>.</summary>
    public static void Initialize() => WorkerHost.RunIfWorker();
}
