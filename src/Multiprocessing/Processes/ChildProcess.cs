using System.Runtime.InteropServices;
using Multiprocessing.Interop;
using Multiprocessing.Processes;
using Multiprocessing.Synchronization;

namespace Multiprocessing;

/// <summary>
/// A .NET delegate running in a child process (Python's <c>multiprocessing.Process</c>): start it with arguments,
/// wait for it, stop it, and read its exit code, its exception or (with <see cref="ChildProcess{TResult}"/>) its result.
/// </summary>
/// <remarks>
/// <para>
/// The target may be a static method, a lambda, or an instance method. Its captured variables (or <c>this</c>)
/// and its arguments are encoded in the caller and rebuilt in the child, field by field, so the child works on
/// copies: like Python's globals, nothing is shared unless it is a shared object. A value that cannot be
/// encoded (a stream, a delegate, a thread) makes <c>Start</c> throw an <see cref="ArgumentException"/> naming it.
/// </para>
/// <para>
/// The child runs the same build of the application (<c>dotnet exec</c> with the parent's runtimeconfig and
/// deps files). Its standard output and error are forwarded line by line to this process's
/// <see cref="Console.Out"/> and <see cref="Console.Error"/>; by the time <see cref="Join()"/> returns, all of
/// the child's output has been written.
/// </para>
/// <para>
/// Lifetime: a child exits once its target has returned (or thrown) and the foreground threads it started have
/// ended, as a Python child joins its non-daemon threads; background threads end with it. A child kills itself as
/// soon as its parent is gone, however the parent ended. When the parent returns from <c>Main</c>, daemon children
/// are killed and the others are waited for, as in Python. Disposing a <see cref="ChildProcess"/> that is still
/// running kills it.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// using var child = ChildProcess.Start((int i) => Console.WriteLine($"{CurrentProcess.Name}: {i}"), 42);
/// child.Join();
/// Console.WriteLine(child.ExitCode); // 0
/// </code>
/// </example>
public partial class ChildProcess : IDisposable, IAsyncDisposable, IWaitReady
{
    private static readonly List<ChildProcess> Active = [];
    private static int counter;

    private readonly Completion exited = new();
    private readonly Lock gate = new();
    private int? exitCode;
    private bool disposed;

    static ChildProcess() => AppDomain.CurrentDomain.ProcessExit += (_, _) => OnParentExit();

    private protected ChildProcess(string name, bool daemon)
    {
        Name = name;
        Daemon = daemon;
    }

    /// <summary>The child's name: <c>ChildProcess-N</c> unless given in <see cref="ChildProcessOptions.Name"/>.</summary>
    public string Name { get; }

    /// <summary>The child's process id.</summary>
    public int Pid { get; private set; }

    /// <summary>Whether the child is a daemon (see <see cref="ChildProcessOptions.Daemon"/>).</summary>
    public bool Daemon { get; }

    /// <summary>True from the start until the child has exited.</summary>
    /// <exception cref="ObjectDisposedException">This <see cref="ChildProcess"/> has been disposed (Python's <c>ValueError</c> after <c>close()</c>).</exception>
    public bool IsAlive
    {
        get
        {
            ThrowIfDisposed();
            return !exited.Task.IsCompleted;
        }
    }

    /// <summary>
    /// Null while running; then 0 if the target returned, 1 if it threw, the code given to
    /// <see cref="Environment.Exit"/>, or <c>-N</c> if a signal N ended it (-9 after <see cref="Kill"/>,
    /// -15 after <see cref="Terminate"/>).
    /// </summary>
    public int? ExitCode
    {
        get
        {
            lock (gate)
            {
                return exitCode;
            }
        }
    }

    /// <summary>
    /// What went wrong in the child, once it has exited: a <see cref="RemoteException"/> if the target threw (or
    /// the child could not decode its call: its remote type is then <see cref="InvalidDataException"/>), a
    /// <see cref="VersionMismatchException"/> if the child could not load the parent's build; otherwise null.
    /// </summary>
    public Exception? Exception { get; private set; }

    /// <summary>The encoded return value, once the child has delivered it.</summary>
    private protected byte[]? ResultPayload { get; private set; }

    /// <summary>
    /// How many workers to keep started ahead of time, through the .NET runtime's start-up and waiting for a call:
    /// a start that finds one ready costs a few milliseconds (about 8 ms here) instead of a runtime start (about
    /// 30 ms), much as CPython's forkserver start method does. Default 0.
    /// </summary>
    /// <remarks>
    /// A spare is replaced once the child that took it has exited, so that a booting spare does not compete for
    /// the CPUs with running children; a program that starts children back to back therefore gains little. A spare
    /// is started with this process's environment at that time (children given their own
    /// <see cref="ChildProcessOptions.Environment"/> never use one) and loads the application's assemblies while
    /// it waits. Each spare is an idle process of a few tens of megabytes, and dies with the parent like any child.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public static int WarmSpares
    {
        get => SparePool.Target;
        set => SparePool.Target = value;
    }

    /// <summary>Children of this process that are still running (Python's <c>active_children()</c>).</summary>
    /// <returns>A snapshot, oldest first.</returns>
    public static IReadOnlyList<ChildProcess> ActiveChildren()
    {
        lock (Active)
        {
            return [.. Active.Where(c => !c.exited.Task.IsCompleted)];
        }
    }

    /// <summary>
    /// Makes this process a worker if it was started as one, and otherwise returns at once. Call it as the first
    /// statement of <c>Main</c> in apps that cannot use startup hooks (single-file, trimmed), like Python's
    /// <c>freeze_support()</c>; other apps do not need it.
    /// </summary>
    public static void RunWorkerIfRequested()
    {
        WorkerHost.RunIfWorker();
        LaunchPlan.WorkerEntryRegistered = true;
    }

    /// <summary>Waits until the child has exited and its output has been forwarded.</summary>
    /// <exception cref="ObjectDisposedException">This <see cref="ChildProcess"/> has been disposed.</exception>
    public void Join() => Exit().Wait();

    /// <summary>Waits at most <paramref name="timeout"/> for the child to exit.</summary>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> waits for ever.</param>
    /// <returns>True if the child has exited; false if the time ran out (the child keeps running).</returns>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="timeout"/> is negative and not infinite (Python's <c>join(timeout)</c> takes a negative timeout as 0;
    /// in .NET -1 ms means for ever, so a negative one is refused rather than read either way).
    /// </exception>
    /// <exception cref="ObjectDisposedException">This <see cref="ChildProcess"/> has been disposed.</exception>
    public bool Join(TimeSpan timeout) => Exit().Wait(timeout);

    /// <summary>Waits asynchronously until the child has exited and its output has been forwarded.</summary>
    /// <param name="cancellationToken">Stops the wait (not the child).</param>
    /// <returns>A task that completes when the child has exited.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired first.</exception>
    /// <exception cref="ObjectDisposedException">This <see cref="ChildProcess"/> has been disposed.</exception>
    public Task WaitForExitAsync(CancellationToken cancellationToken = default) => Exit().WaitAsync(cancellationToken);

    /// <summary>
    /// Asks the child to stop with SIGTERM. If its target reads <see cref="CurrentProcess.TerminationToken"/>, the
    /// token fires and the target may finish cleanly; otherwise the child ends at once with exit code -15.
    /// Does nothing if the child has already exited. Does not wait: call <see cref="Join()"/> after it.
    /// </summary>
    /// <exception cref="ObjectDisposedException">This <see cref="ChildProcess"/> has been disposed.</exception>
    public void Terminate()
    {
        ThrowIfDisposed();
        Signal(Libc.SIGTERM);
    }

    /// <summary>Kills the child with SIGKILL (exit code -9). Does nothing if it has already exited. Does not wait.</summary>
    /// <exception cref="ObjectDisposedException">This <see cref="ChildProcess"/> has been disposed.</exception>
    public void Kill()
    {
        ThrowIfDisposed();
        Signal(Libc.SIGKILL);
    }

    /// <summary>
    /// Sends a POSIX signal to the child (Python's <c>os.kill(p.pid, sig)</c>), through its pidfd: never to another
    /// process that was given the same pid. Does nothing if the child has already exited. Does not wait.
    /// </summary>
    /// <param name="signal">
    /// A named signal such as <see cref="PosixSignal.SIGHUP"/>, or a Linux signal number from 1 to 64 cast to
    /// <see cref="PosixSignal"/>, as <see cref="PosixSignalRegistration.Create"/> takes them: <c>(PosixSignal)10</c> is
    /// SIGUSR1, <c>(PosixSignal)12</c> SIGUSR2.
    /// </param>
    /// <remarks>
    /// <para>
    /// The child handles a signal with the BCL's <see cref="PosixSignalRegistration.Create"/>, called in its target;
    /// the handler runs on another thread of the child. It must set <see cref="PosixSignalContext.Cancel"/>, or the
    /// signal's default action follows it; that action, which is also what happens before the target has registered
    /// a handler, is for SIGHUP, SIGINT, SIGUSR1, SIGUSR2 and most others the end of the child, with exit code
    /// <c>-N</c>. So have the child say when it is ready (a <see cref="SharedEvent"/>, for example) before sending. Like any
    /// process, a child may see a standard signal (1 to 31) sent again before it handled the first one only once.
    /// </para>
    /// <para>
    /// SIGTERM is <see cref="Terminate"/>: a handler of the target's own that sets
    /// <see cref="PosixSignalContext.Cancel"/> takes it over (the child goes on, and
    /// <see cref="CurrentProcess.TerminationToken"/> does not fire); otherwise the token fires if the target reads it,
    /// and the child ends with -15 if it does not. A signal that this process ignores (SIGHUP under <c>nohup</c>;
    /// SIGINT and SIGQUIT in a script's background job) is ignored by the child too, as with
    /// <see cref="System.Diagnostics.Process.Start()"/> and in Python, and a handler registered for it never runs.
    /// </para>
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="signal"/> is neither a named <see cref="PosixSignal"/> nor a number from 1 to 64.
    /// </exception>
    /// <exception cref="ObjectDisposedException">This <see cref="ChildProcess"/> has been disposed.</exception>
    /// <example>
    /// <code>
    /// using var ready = SharedEvent.Create();
    /// using var child = ChildProcess.Start((SharedEvent r) =>
    /// {
    ///     using var hangups = new SemaphoreSlim(0);
    ///     using var reg = PosixSignalRegistration.Create(PosixSignal.SIGHUP, ctx =>
    ///     {
    ///         ctx.Cancel = true; // handled: no default action (for SIGHUP, the end of the child)
    ///         hangups.Release();
    ///     });
    ///     r.Set();
    ///     hangups.Wait();
    ///     return "reloaded";
    /// }, ready);
    /// ready.Wait();
    /// child.SendSignal(PosixSignal.SIGHUP);
    /// Console.WriteLine(child.Result); // reloaded
    /// </code>
    /// </example>
    public void SendSignal(PosixSignal signal)
    {
        if (!Libc.TryGetSignalNumber(signal, out int number))
        {
            throw new ArgumentOutOfRangeException(nameof(signal), signal, "Not a named PosixSignal, nor a signal number from 1 to 64.");
        }

        ThrowIfDisposed();
        Signal(number);
    }

    /// <summary>Kills the child if it is still running, waits for it, and releases its descriptors.</summary>
    /// <remarks>
    /// Afterwards (as after Python's <c>close()</c>) <see cref="IsAlive"/>, <c>Join</c>, <see cref="WaitForExitAsync"/>,
    /// <see cref="Terminate"/>, <see cref="Kill"/> and <see cref="SendSignal"/> throw <see cref="ObjectDisposedException"/>;
    /// what the child left — <see cref="ExitCode"/>, <see cref="Exception"/>, a result — can still be read. Calling it again does nothing.
    /// </remarks>
    public void Dispose()
    {
        DisposeCore();
        exited.Wait();
        GC.SuppressFinalize(this);
    }

    /// <summary>Kills the child if it is still running, waits for it asynchronously, and releases its descriptors.</summary>
    /// <returns>A task that completes when the child is gone.</returns>
    public async ValueTask DisposeAsync()
    {
        DisposeCore();
        await exited.Task.ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"<{nameof(ChildProcess)} name='{Name}' pid={Pid} {(!exited.Task.IsCompleted ? "started" : "stopped exitcode=" + ExitCode)}{(Daemon ? " daemon" : string.Empty)}>";

    private void DisposeCore()
    {
        lock (gate)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
        }

        Signal(Libc.SIGKILL);
    }

    /// <summary>Kills the child, disposed or not (for the pool that owns it, which may race with its own disposal of it).</summary>
    internal void KillIfRunning() => Signal(Libc.SIGKILL);

    /// <summary>Sends SIGTERM to the child, disposed or not (for the pool that owns it, which may race with its own disposal of it).</summary>
    internal void TerminateIfRunning() => Signal(Libc.SIGTERM);

    /// <summary>Waits for the child's exit, disposed or not (for <see cref="ChildProcess{TResult}.Result"/>, readable after disposal).</summary>
    private protected void WaitForExit() => exited.Wait();

    /// <summary>Waits asynchronously for the child's exit, disposed or not (for <see cref="ChildProcess{TResult}.ResultAsync"/>).</summary>
    internal Task WaitForExitEvenIfDisposedAsync(CancellationToken cancellationToken) => exited.WaitAsync(cancellationToken);

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed), this);

    /// <summary>The child's exit, for the public waits: throws once this <see cref="ChildProcess"/> is disposed.</summary>
    private Completion Exit()
    {
        ThrowIfDisposed();
        return exited;
    }

    private static string NextName()
    {
        int n = Interlocked.Increment(ref counter);
        return CurrentProcess.IsChild ? $"{CurrentProcess.Name}:{n}" : $"ChildProcess-{n}";
    }

    private static void OnParentExit()
    {
        WorkerPool.FinishAtExit(); // First: a process pool's workers are children, and its queued work must run.
        SparePool.Shutdown();
        ChildProcess[] children;
        lock (Active)
        {
            children = [.. Active];
        }

        foreach (ChildProcess child in children.Where(c => c.Daemon))
        {
            child.KillIfRunning();
        }

        foreach (ChildProcess child in children)
        {
            child.WaitForExit();
        }
    }
}
