using System.Buffers;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MessagePack;
using Multiprocessing.Codec;
using Multiprocessing.Interop;

namespace Multiprocessing.Processes;

/// <summary>
/// The child side of <see cref="ChildProcess"/>: reads the call from fd 3, runs it on the main thread, sends the
/// result or the exception back, and exits (once the target's foreground threads have ended, when started through
/// <see cref="WorkerMain"/>). A watcher thread kills the child the moment its parent goes away.
/// </summary>
internal static class WorkerHost
{
    /// <summary>Exit code of a child whose target threw (Python uses 1 too).</summary>
    public const int ErrorExitCode = 1;

    /// <summary>One frame at a time on the control socket: log records come from any thread, the result from the main one.</summary>
    private static readonly Lock SendGate = new();

    /// <summary>SIGTERM's handler, kept until the process ends: the foreground threads may outlive the target.</summary>
    private static PosixSignalRegistration? SigtermHandler { get; set; }

    /// <summary>
    /// Runs this process as a worker and exits, if it was started as one; otherwise returns at once. For the
    /// startup hook and <see cref="ChildProcess.RunWorkerIfRequested"/>, which cannot return into the
    /// application's <c>Main</c>: the child exits when its target returns, without waiting for its foreground threads.
    /// </summary>
    public static void RunIfWorker()
    {
        if (TryRunAsWorker(out int exitCode))
        {
            Environment.Exit(exitCode);
        }
    }

    /// <summary>
    /// Runs this process as a worker, if it was started as one, and gives its exit code; otherwise returns false at
    /// once. <see cref="WorkerMain"/> returns the code from <c>Main</c>, so that the runtime first waits for the
    /// foreground threads the target started, as Python's child joins its non-daemon threads after its target.
    /// </summary>
    public static bool TryRunAsWorker(out int exitCode)
    {
        exitCode = 0;
        string? fdText = Environment.GetEnvironmentVariable(LaunchPlan.WorkerFdVariable);
        if (fdText is null || !TryParseFd(fdText, out int fd))
        {
            return false;
        }

        // Processes this worker starts must not inherit our role or our hook.
        Environment.SetEnvironmentVariable(LaunchPlan.WorkerFdVariable, null);
        if (Environment.GetEnvironmentVariable(Sharing.ResourceTracker.ServeVariable) is { } trackerAddress)
        {
            Environment.SetEnvironmentVariable(Sharing.ResourceTracker.ServeVariable, null);
            Libc.SetCloseOnExec(fd);
            Sharing.ResourceTracker.Serve(trackerAddress, fd);
            Environment.Exit(0);
        }

        string? saved = Environment.GetEnvironmentVariable(LaunchPlan.SavedHooksVariable);
        Environment.SetEnvironmentVariable(LaunchPlan.StartupHooksVariable, string.IsNullOrEmpty(saved) ? null : saved);
        Environment.SetEnvironmentVariable(LaunchPlan.SavedHooksVariable, null);
        Libc.SetCloseOnExec(fd);

        exitCode = Run(fd);
        WorkerExit.Arm();
        return true;
    }

    private static int Run(int fd)
    {
        // A raw descriptor, never closed: the watcher thread blocks on it until the process exits. (Not a Socket:
        // loading System.Net.Sockets would add milliseconds to every child's start.)
        int socket = fd;

        // Before the call arrives, so that a warm spare has them ready: the watcher only polls for the parent's
        // hang-up (it never reads, so it can start before the start frame is read), and the SIGTERM handler has the
        // same effect as the default action until the target runs.
        StartParentWatch(socket);
        SigtermHandler = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSigterm);
        bool warmed = false;
        if (Environment.GetEnvironmentVariable(SpareVariable) is { } preload)
        {
            Environment.SetEnvironmentVariable(SpareVariable, null);
            Warmup(preload);
            warmed = true;
        }

        (FrameKind Kind, byte[] Payload)? start = Frames.Read(socket);
        bool sendLogs = start is { Kind: FrameKind.SendLogs };
        if (sendLogs)
        {
            start = Frames.Read(socket);
        }

        if (start is not { Kind: FrameKind.Start } frame)
        {
            return ErrorExitCode; // The parent is gone before it sent anything.
        }

        if (!warmed && DelegatePayload.UsesCodec(frame.Payload))
        {
            StartCodecWarmup(); // A spare's Warmup has built the codec already.
        }


        DecodedCall call;
        try
        {
            call = DelegatePayload.Decode(frame.Payload);
        }
        catch (VersionMismatchException e)
        {
            Send(socket, FrameKind.Mismatch, System.Text.Encoding.UTF8.GetBytes(e.Message));
            return ErrorExitCode;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Same build (checked above), but the call's values cannot be rebuilt here: the child's own error.
            SendError(socket, WireCodec.DecodeFailure("The child could not decode its call (the delegate's captured variables or its arguments)", e));
            return ErrorExitCode;
        }

        CurrentProcess.BecomeChild(call.Identity.Name, call.Identity.Daemon);
        if (sendLogs)
        {
            ForwardLogs(socket);
        }


        using IDisposable? trace = call.Identity.TraceContext is { } context ? Diagnostics.RemoteTrace.Start(Diagnostics.RemoteTrace.ProcessRunActivity, context) : null;
        try
        {
            (object? value, Type type) = Invoke(call);
            if (type == typeof(void))
            {
                Send(socket, FrameKind.Result, []);
                return 0;
            }

            Send(socket, FrameKind.Result, EncodeResult(value, type));
            return 0;
        }
        catch (Exception e) when (CurrentProcess.TerminationRequested && IsCancellation(e))
        {
            DieBySigterm();
            return ErrorExitCode;
        }
        catch (Exception e)
        {
            SendError(socket, e);
            return ErrorExitCode;
        }
    }

    /// <summary>
    /// Encodes a return value. A method of its own, like <see cref="SendError"/>: so that a child whose target
    /// returns nothing never loads the codec's assembly.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static byte[] EncodeResult(object? value, Type type)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        WireCodec.SerializeReturnValue(ref writer, type, value);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Builds the codec on another core while this thread decodes the envelope and loads assemblies.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StartCodecWarmup() =>
        new Thread(WireCodec.Prewarm) { IsBackground = true, Name = "Multiprocessing codec warm-up" }.UnsafeStart();

    /// <summary>Parses the fd number without touching culture data (which would load ICU into every child).</summary>
    private static bool TryParseFd(string text, out int fd)
    {
        fd = 0;
        foreach (char c in text)
        {
            if (c is < '0' or > '9' || fd > 100_000)
            {
                return false;
            }

            fd = (fd * 10) + (c - '0');
        }

        return text.Length > 0;
    }

    /// <summary>Sends <paramref name="e"/> to the parent, which raises it as a <see cref="RemoteException"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void SendError(int socket, Exception e)
    {
        var buffer = new ArrayBufferWriter<byte>();
        WireCodec.Serialize(buffer, RemoteExceptionInfo.From(e));
        Send(socket, FrameKind.Error, buffer.WrittenSpan);
    }

    /// <summary>Environment variable set for warm spares (see <see cref="SparePool"/>): the assemblies to load while waiting.</summary>
    public const string SpareVariable = "MULTIPROCESSING_SPARE";

    /// <summary>
    /// Run by a warm spare while it waits: one round trip through the decode, invoke and encode paths, so that the
    /// call it eventually gets finds them compiled.
    /// </summary>
    private static void Warmup(string preload)
    {
        foreach (string name in preload.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            try
            {
                Assembly.Load(new AssemblyName { Name = name });
            }
            catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
            {
                // Only an optimisation: the call loads what it needs.
            }
        }

        try
        {
            Func<int, int> probe = WarmupTarget;
            byte[] payload = DelegatePayload.Encode(new ChildIdentity("warmup", false, 0), probe, [1]);
            (object? value, Type type) = Invoke(DelegatePayload.Decode(payload));
            var buffer = new ArrayBufferWriter<byte>();
            var writer = new MessagePackWriter(buffer);
            WireCodec.Serialize(ref writer, type, value);
            writer.Flush();
            _ = Frames.Build(FrameKind.Result, buffer.WrittenSpan);
            _ = RemoteExceptionInfo.From(new InvalidOperationException());
            WorkerExit.Prepare();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Only an optimisation.
        }
    }

    private static int WarmupTarget(int x) => x + 1;

    private static (object? Value, Type Type) Invoke(DecodedCall call)
    {
        object? returned = call.Method.Invoke(call.Target, BindingFlags.DoNotWrapExceptions, binder: null, call.Args, culture: null);
        Type returnType = call.Method.ReturnType;
        if (returned is Task task)
        {
            task.GetAwaiter().GetResult();
            if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(Task<>))
            {
                Type resultType = returnType.GetGenericArguments()[0];
                return (returnType.GetProperty(nameof(Task<int>.Result))!.GetValue(task), resultType);
            }

            return (null, typeof(void));
        }

        return (returned, returnType);
    }

    /// <summary>
    /// SIGTERM's handler, registered before the target runs. The BCL calls the handlers of a signal newest first, so a
    /// handler the target registered has run by now: if it set <see cref="PosixSignalContext.Cancel"/>, it has taken
    /// SIGTERM over and this one does nothing. (.NET 10.0 calls every handler with the same context; the runtime's newer
    /// sources stop at the first handler that cancels, and then do not call this one at all: the same outcome.)
    /// </summary>
    private static void OnSigterm(PosixSignalContext context)
    {
        if (context.Cancel)
        {
            return;
        }

        if (CurrentProcess.TerminationObserved)
        {
            context.Cancel = true;
            CurrentProcess.RequestTermination();
        }
        else
        {
            DieBySigterm();
        }
    }

    /// <summary>Ends the process by SIGTERM's default action, so that the parent sees exit code -15.</summary>
    private static void DieBySigterm()
    {
        Console.Out.Flush();
        Console.Error.Flush();
        Libc.Signal(Libc.SIGTERM, 0);
        Libc.Kill(Environment.ProcessId, Libc.SIGTERM);
    }

    private static bool IsCancellation(Exception e) => e switch
    {
        OperationCanceledException => true,
        AggregateException a => a.InnerExceptions.All(IsCancellation),
        _ => false,
    };

    /// <summary>Sends this process's log records to the parent from now on (see <see cref="ParentLoggerFactory"/>).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // A child that does not forward never loads the logging assembly.
    private static void ForwardLogs(int socket) =>
        MultiprocessingLogging.LoggerFactory = new ParentLoggerFactory(payload => Send(socket, FrameKind.Log, payload));

    /// <summary>
    /// Writes one frame, whole, before any other thread writes one (so a record logged on another thread never cuts into
    /// the result, and one logged before the result arrives before it). Returns at once if the parent is gone.
    /// </summary>
    private static void Send(int fd, FrameKind kind, ReadOnlySpan<byte> payload)
    {
        lock (SendGate)
        {
            _ = Frames.Write(fd, kind, payload); // False: the parent is gone; the watcher ends this process.
        }
    }

    /// <summary>
    /// Kills this process as soon as the parent's end of the control socket closes (the parent exited or was killed).
    /// It polls for no event, so only the hang-up (or an error) wakes it: it leaves the socket's data to the main thread.
    /// </summary>
    private static unsafe void StartParentWatch(int fd)
    {
        var watcher = new Thread(() =>
        {
            var poll = new Libc.PollFd { Fd = fd, Events = 0 };
            while (Libc.Poll(&poll, 1, -1) < 0 && Marshal.GetLastPInvokeError() == Libc.EINTR)
            {
            }

            Libc.Kill(Environment.ProcessId, Libc.SIGKILL);
        })
        {
            IsBackground = true,
            Name = "Multiprocessing parent watch",
        };
        watcher.Start();
    }
}
