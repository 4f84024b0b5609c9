using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using Multiprocessing.Interop;

namespace Multiprocessing.Processes;

/// <summary>
/// Ends a worker with the exit system call as soon as the runtime has done what it owes the program at exit: after
/// the foreground threads have ended and every <see cref="AppDomain.ProcessExit"/> handler has run, with the console
/// and the C library's output buffers flushed. What the runtime does after that changes nothing the parent or the
/// user can see except how late the exit comes (about 1 ms of a start served by a warm spare, measured under strace).
/// </summary>
/// <remarks>
/// <para>
/// How the handler comes last without reading the runtime's private fields: CoreLib's <c>AppContext.OnProcessExit</c>
/// (run on the finalizer thread once the foreground threads have ended) raises
/// <see cref="AssemblyLoadContext.Unloading"/> for every load context, disposes the event listeners, and only then reads
/// and invokes <see cref="AppDomain.ProcessExit"/>. Our handler is added from the default context's
/// <see cref="AssemblyLoadContext.Unloading"/>, so it is appended after every handler added until then, by the target
/// or by any thread that ran on after it. Should a runtime raise the events in another order, our handler is added
/// too late to be called and the runtime's own exit runs: slower, never wrong.
/// </para>
/// <para>
/// What the runtime (<c>EEShutDownHelper</c> in <c>ceemain.cpp</c>, dotnet/runtime's main branch) does before the handlers, and so always:
/// the PGO data, the ETW rundown, the EventPipe sessions' end and the diagnostic server's; the load contexts'
/// <see cref="AssemblyLoadContext.Unloading"/> events and the <c>EventListener</c>s' disposal. What it does after them, and
/// is skipped: the allocation-sampling events' flush and the perf map file (<c>DOTNET_PerfMapEnabled</c>), the JIT's
/// shutdown (its <c>DOTNET_JitStdOutFile</c>), a profiler's <c>Shutdown</c> callback, then the host's return from
/// <c>main</c> and the C library's <c>exit</c>: <c>atexit</c> handlers of native libraries and the flush of C
/// <c>stdio</c> buffers. The flush is done here (<c>fflush(NULL)</c>); when one of those settings or a profiler is
/// given, or an EventPipe file is written at exit (ended before the handlers in those sources: a precaution), the child
/// takes the runtime's exit. Native <c>atexit</c> handlers
/// are not run, as in a child of CPython's <c>fork</c>, which ends with <c>os._exit</c> too. Finalizers are not run at
/// exit by .NET in either case.
/// </para>
/// </remarks>
internal static class WorkerExit
{
    /// <summary>Settings under which the runtime writes something after the <see cref="AppDomain.ProcessExit"/> handlers (without their <c>DOTNET_</c> or <c>COMPlus_</c> prefix).</summary>
    private static readonly string[] FinishedByTheRuntime = ["EnableEventPipe", "PerfMapEnabled", "JitStdOutFile"];

    private static readonly EventHandler Last = OnProcessExit;

    /// <summary>
    /// Called once the target has returned: at the process's exit, our handler goes after every other one. Not when
    /// the runtime has something to write after the handlers (see the remarks).
    /// </summary>
    public static void Arm()
    {
        if (RuntimeFinishesSomething())
        {
            return;
        }

        AssemblyLoadContext.Default.Unloading += AddLastHandler;
        Armed = true;
    }

    /// <summary>Whether this child ends by the exit system call (for tests).</summary>
    public static bool Armed { get; private set; }

    /// <summary>Raised at the exit just before the <see cref="AppDomain.ProcessExit"/> handlers are read: ours goes last.</summary>
    private static void AddLastHandler(AssemblyLoadContext context) => AppDomain.CurrentDomain.ProcessExit += Last;

    private static void OnProcessExit(object? sender, EventArgs e)
    {
        if (ConsoleLoaded())
        {
            FlushConsole();
        }

        _ = Libc.FlushAll(0);
        Libc.ExitNow(Environment.ExitCode);
    }

    /// <summary>
    /// Runs the checks of the exit once, without exiting, so that a warm spare has them compiled, and loads the
    /// System.Runtime.Loader facade that <see cref="Arm"/> needs (about 1 ms under strace when it came after the result).
    /// </summary>
    public static void Prepare()
    {
        _ = RuntimeFinishesSomething() || ConsoleLoaded();
        _ = AssemblyLoadContext.Default;
    }

    /// <summary>Whether a setting or a profiler makes the runtime write something after the exit handlers.</summary>
    private static bool RuntimeFinishesSomething()
    {
        foreach (string name in FinishedByTheRuntime)
        {
            if (IsSet("DOTNET_" + name) || IsSet("COMPlus_" + name))
            {
                return true;
            }
        }

        return Environment.GetEnvironmentVariable("CORECLR_ENABLE_PROFILING") is "1";

        static bool IsSet(string variable) => Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value && value != "0";
    }

    /// <summary>Whether System.Console is loaded (by its full name, which the runtime caches: no AssemblyName built).</summary>
    private static bool ConsoleLoaded() =>
        Array.Exists(AppDomain.CurrentDomain.GetAssemblies(), a => a.FullName?.StartsWith("System.Console,", StringComparison.Ordinal) == true);

    /// <summary>Apart, so that a child that never wrote to the console does not load it to flush it.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void FlushConsole()
    {
        Console.Out.Flush();
        Console.Error.Flush();
    }
}
