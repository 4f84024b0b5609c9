using System.Reflection;
using System.Runtime.CompilerServices;
using Multiprocessing.Interop;

namespace Multiprocessing.Processes;

/// <summary>
/// Ends a worker with the exit system call as soon as the runtime has done what it owes the program at exit: after
/// the foreground threads have ended and every <see cref="AppDomain.ProcessExit"/> handler has run, with the
/// console flushed. What the runtime does after that (its own shutdown, about 5 ms of a start served by a warm
/// spare) changes nothing the parent can see except how late it sees the exit.
/// </summary>
internal static class WorkerExit
{
    /// <summary>
    /// The event's backing field, to see whether a handler was added after ours (by a foreground thread that ran on
    /// after the target): then the runtime's own exit runs it. .NET 10 keeps it in the <see cref="AppDomain"/>, earlier
    /// versions in <see cref="AppContext"/>; if neither has it, no fast exit.
    /// </summary>
    private static readonly FieldInfo? OnDomain = typeof(AppDomain).GetField("ProcessExit", BindingFlags.NonPublic | BindingFlags.Instance);

    /// <summary>Where the handlers are kept, if not in <see cref="OnDomain"/>.</summary>
    private static readonly FieldInfo? OnContext = typeof(AppContext).GetField("ProcessExit", BindingFlags.NonPublic | BindingFlags.Static);

    private static readonly EventHandler Last = OnProcessExit;

    /// <summary>
    /// Called once the target has returned: our handler goes after the ones the target added. Not when an EventPipe
    /// trace is written at exit (<c>DOTNET_EnableEventPipe</c>): the runtime's shutdown finishes that file.
    /// </summary>
    public static void Arm()
    {
        if ((OnDomain is null && OnContext is null) || Environment.GetEnvironmentVariable("DOTNET_EnableEventPipe") is "1"
            || Environment.GetEnvironmentVariable("COMPlus_EnableEventPipe") is "1")
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit += Last;
        Armed = true;
    }

    /// <summary>Whether this child ends by the exit system call (for tests).</summary>
    public static bool Armed { get; private set; }

    private static void OnProcessExit(object? sender, EventArgs e)
    {
        if (Handlers() is not { } all || !Last.Equals(all.GetInvocationList()[^1]))
        {
            return; // A handler added after ours has yet to run: the runtime's exit runs it.
        }

        if (ConsoleLoaded())
        {
            FlushConsole();
        }

        Libc.ExitNow(Environment.ExitCode);
    }

    /// <summary>Runs the checks of the exit once, without exiting, so that a warm spare has them compiled.</summary>
    public static void Prepare() => _ = Handlers()?.GetInvocationList().Length + (ConsoleLoaded() ? 1 : 0);

    /// <summary>Whether System.Console is loaded (by its full name, which the runtime caches: no AssemblyName built).</summary>
    private static bool ConsoleLoaded() =>
        Array.Exists(AppDomain.CurrentDomain.GetAssemblies(), a => a.FullName?.StartsWith("System.Console,", StringComparison.Ordinal) == true);

    /// <summary>The <see cref="AppDomain.ProcessExit"/> handlers now.</summary>
    private static Delegate? Handlers() =>
        OnDomain?.GetValue(AppDomain.CurrentDomain) as Delegate ?? OnContext?.GetValue(null) as Delegate;

    /// <summary>Apart, so that a child that never wrote to the console does not load it to flush it.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void FlushConsole()
    {
        Console.Out.Flush();
        Console.Error.Flush();
    }
}
