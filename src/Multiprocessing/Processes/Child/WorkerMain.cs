namespace Multiprocessing.Processes;

/// <summary>
/// The entry point of a worker started as <c>dotnet exec --runtimeconfig app.runtimeconfig.json --depsfile
/// app.deps.json Multiprocessing.dll</c>: the application's own runtime and assemblies, our code first.
/// </summary>
internal static class WorkerMain
{
    // Returns the worker's exit code rather than calling Environment.Exit: after Main, the runtime waits for the
    // foreground threads the target started (Python's non-daemon threads), then exits with that code.
    private static int Main() => WorkerHost.TryRunAsWorker(out int exitCode) ? exitCode : NotAWorker();

    // Apart from Main, so that a worker never loads System.Console just because Main mentions it.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static int NotAWorker()
    {
        Console.Error.WriteLine("Multiprocessing.dll is a library; it runs as a program only as a worker started by ChildProcess or a pool.");
        return 2;
    }
}
