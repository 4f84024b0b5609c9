using System.Buffers.Binary;
using System.Reflection;
using System.Runtime.CompilerServices;
using MessagePack;
using Multiprocessing.Codec;
using Multiprocessing.Connections;
using Multiprocessing.Pools;
using Multiprocessing.Processes;

namespace Multiprocessing;

/// <summary>
/// A pool of worker processes (Python's <c>multiprocessing.Pool</c> and <c>ProcessPoolExecutor</c>), with the
/// API every <see cref="WorkerPool"/> has. Delegates and their arguments are encoded in the caller (an argument
/// that cannot cross fails there) and run in long-lived worker processes, each fed through its own pipe.
/// </summary>
/// <remarks>
/// <para><b>Faults</b>: a worker that dies while it runs a task — killed, <c>Environment.FailFast</c>, a stack
/// overflow, a native crash — fails that task alone with a <see cref="ProcessDiedException"/> naming its pid and
/// exit code or signal; the tasks queued behind it go to other workers, and a new worker takes its place (CPython's
/// <c>Pool</c> hangs for ever there, and <c>concurrent.futures</c> breaks the whole pool). A task past its timeout
/// (<see cref="PoolOptions.TaskTimeout"/>) has its worker killed and replaced, and fails with a
/// <see cref="TimeoutException"/>. An exception thrown by a task reaches the caller as a
/// <see cref="RemoteException"/> with the remote type, message and stack trace, and the worker carries on.</para>
/// <para><b>Cancellation</b>: a task still queued is dropped; a task already running gets SIGTERM, which the task
/// can observe through <see cref="CurrentProcess.TerminationToken"/> to stop cooperatively; a worker that does not
/// stop within <see cref="PoolOptions.CancelGracePeriod"/> (2 s by default) is killed. Either way the task is cancelled and the worker replaced.</para>
/// <para>Workers start when the pool is created (about the time of one process start each, in parallel); tasks
/// submitted meanwhile wait in their pipes. Each worker holds a few tasks ahead of the one it runs: as many as make about a millisecond of its recent tasks (2 to 64), so that short tasks stream; and a worker that is idle takes the tasks another holds behind a long one and has not started (each task still runs exactly once), so no task waits behind a running one while a worker is free.</para>
/// <para>Large tasks and results (bigger than a worker's pipe) flow both ways at once: the thread that reads a
/// worker's results never waits to write to it, so a worker waiting to write a result is always read.</para>
/// </remarks>
public sealed class ProcessPool : WorkerPool
{
    /// <summary>The default of <see cref="PoolOptions.CancelGracePeriod"/>.</summary>
    public static readonly TimeSpan DefaultCancelGracePeriod = TimeSpan.FromSeconds(2);

    private const int MaxKnownFunctions = 256;

    /// <summary>How many workers in a row may die before they are ready (started, initializer run) before the pool gives up as broken.</summary>
    private const int MaxDeathsBeforeReady = 3;

    /// <summary>How long a worker whose running task was cancelled may take to stop before it is killed (<see cref="PoolOptions.CancelGracePeriod"/>).</summary>
    public TimeSpan CancelGracePeriod { get; }

    private static readonly byte[] ForgetFrame = [ProcessWire.Forget];
    private static int poolCounter;

    /// <summary>This thread's list of the workers a <see cref="Pump"/> flushes, empty between calls (see <see cref="Touch"/>).</summary>
    [ThreadStatic]
    private static List<ProcessWorker>? spareTouched;

    private readonly Lock gate = new();
    private readonly LinkedList<ProcessTask> queued = new();
    private readonly ProcessWorker?[] slots;
    private readonly byte[] initializer;
    private readonly Lock functionsGate = new();
    private readonly Dictionary<Delegate, PoolFunction> functions = [];

    /// <summary>Per delegate target type: whether it holds state (see <see cref="FunctionFor"/>).</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, bool> StatefulTypes = new();
    private int nextFunctionId;
    private long nextTaskId;
    private int workerNumber;
    private bool failedToStart;
    private int deathsBeforeReady;

    /// <summary>Creates a pool and starts its workers (Python's <c>Pool(processes, initializer, maxtasksperchild)</c>).</summary>
    /// <param name="options">Worker count, initializer, limits, timeout, queue bound; null for the defaults.</param>
    /// <exception cref="ArgumentException">The initializer cannot be encoded for another process.</exception>
    /// <exception cref="PlatformNotSupportedException">This platform or kind of application cannot start processes.</exception>
    public ProcessPool(PoolOptions? options = null)
        : base(options, $"ProcessPool-{Interlocked.Increment(ref poolCounter)}")
    {
        initializer = Initializer is { } init ? DelegatePayload.EncodeFunction(init) : [];
        CancelGracePeriod = options?.CancelGracePeriod ?? DefaultCancelGracePeriod;
        slots = new ProcessWorker?[WorkerCount];
        lock (gate)
        {
            try
            {
                for (int i = 0; i < slots.Length; i++)
                {
                    slots[i] = StartWorker(i);
                }
            }
            catch
            {
                failedToStart = true; // The workers' reader threads must not replace them.
                foreach (ProcessWorker? w in slots)
                {
                    w?.Child.KillIfRunning();
                }

                throw;
            }
        }
    }

    /// <summary>The pids of the live workers, for diagnostics.</summary>
    public IReadOnlyList<int> WorkerPids
    {
        get
        {
            lock (gate)
            {
                return [.. slots.Where(w => w is { Gone: false }).Select(w => w!.Child.Pid)];
            }
        }
    }

    /// <summary>How many tasks idle workers have taken from busy ones so far (see <see cref="Steal"/>), for tests and diagnostics.</summary>
    internal long TasksTaken { get; private set; }

    /// <inheritdoc/>
    public override string ToString() => $"ProcessPool('{Name}', workers={WorkerCount})";

    private protected override Task<TResult> RunAsync<TResult>(WorkItem<TResult> item, CancellationToken cancellationToken)
    {
        PoolFunction function = FunctionFor(item.Function);
        long id = Interlocked.Increment(ref nextTaskId);
        object?[] args = item.Arguments;
        byte[] frame = ProcessWire.RunFrame(
            id,
            function.Id,
            ProcessWire.Single,
            1,
            (function.Parameters, args),
            static (ref MessagePackWriter w, (ParameterInfo[] Parameters, object?[] Args) s) => ProcessWire.WriteArguments(ref w, s.Parameters, s.Args));
        var task = new ProcessTask<TResult>(id, function, frame, TaskTimeout, inlineFollower: false, cancellationToken);
        Enqueue(task, cancellationToken);
        return task.Task;
    }

    private protected override Task<TResult[]> RunChunkAsync<TArgs, TResult>(ChunkItem<TArgs, TResult> chunk, CancellationToken cancellationToken)
    {
        PoolFunction function = FunctionFor(chunk.Function);
        long id = Interlocked.Increment(ref nextTaskId);
        if (!chunk.Spread && FastCodec.IsScalar<TArgs>() && FastCodec.IsScalar<TResult>()
            && function.Parameters.Length == 1 && function.Parameters[0].ParameterType == typeof(TArgs))
        {
            // A map over scalars: items and results are written and read without the codec, on both sides.
            var scalar = new ProcessScalarChunkTask<TResult>(
                id, function, ProcessWire.ScalarChunkFrame(id, function.Id, chunk.Items), chunk.Timeout, chunk.InlineFollower, chunk.Destination, chunk.DestinationOffset, chunk.Items.Count, cancellationToken);
            Enqueue(scalar, cancellationToken);
            return scalar.Task;
        }

        byte[] frame = ProcessWire.RunFrame(
            id,
            function.Id,
            chunk.Spread ? ProcessWire.ChunkSpread : ProcessWire.Chunk,
            chunk.Items.Count,
            (function.Parameters, chunk.Items, chunk.Spread),
            static (ref MessagePackWriter w, (ParameterInfo[] Parameters, ArraySegment<TArgs> Items, bool Spread) s) =>
            {
                foreach (TArgs item in s.Items)
                {
                    if (s.Spread)
                    {
                        var tuple = (ITuple)item!;
                        object?[] args = new object?[tuple.Length];
                        for (int i = 0; i < args.Length; i++)
                        {
                            args[i] = tuple[i];
                        }

                        ProcessWire.WriteArguments(ref w, s.Parameters, args);
                    }
                    else
                    {
                        ProcessWire.WriteArguments(ref w, s.Parameters, [item]);
                    }
                }
            });
        var task = new ProcessTask<TResult[]>(id, function, frame, chunk.Timeout, chunk.InlineFollower, cancellationToken);
        Enqueue(task, cancellationToken);
        return task.Task;
    }

    /// <inheritdoc/>
    private protected override bool TakesChunkItemsAtSubmission => true;

    private protected override void OnClose() => Pump();

    private protected override void OnTerminate()
    {
        var dropped = new List<ProcessTask>();
        var running = new List<ProcessTask>();
        var workers = new List<ProcessWorker>();
        lock (gate)
        {
            dropped.AddRange(queued);
            queued.Clear();
            foreach (ProcessWorker? w in slots)
            {
                if (w is null)
                {
                    continue;
                }

                workers.Add(w);
                foreach (ProcessTask t in w.InFlight)
                {
                    (t.Running ? running : dropped).Add(t);
                }

                w.InFlight.Clear();
                w.Retiring = true;
            }
        }

        if (dropped.Count > 0)
        {
            CountDropped(dropped.Count);
        }

        foreach (ProcessTask t in dropped)
        {
            t.Fail(StopException());
        }

        foreach (ProcessTask t in running)
        {
            CountFailedElsewhere();
            t.Fail(StopException());
        }

        foreach (ProcessWorker w in workers)
        {
            w.Child.KillIfRunning();
        }

        CheckStopped();
    }

    /// <summary>
    /// The function of <paramref name="function"/>, encoded once per pool (or again if many were seen). A delegate
    /// whose target holds state (a closure, or an instance method's object) is encoded again at every call, as Python
    /// pickles a task's function at every submit: the same closure object is shared by every lambda of a scope and by
    /// every turn of a <c>for</c> loop, and its fields may have changed since (delegates compare equal by target and
    /// method, not by what the target holds). The known function is reused when the new encoding is the same.
    /// </summary>
    private PoolFunction FunctionFor(Delegate function)
    {
        bool stateful = function.Target is { } target && HoldsState(target.GetType());
        PoolFunction? known;
        lock (functionsGate)
        {
            if (functions.TryGetValue(function, out known) && !stateful)
            {
                return known;
            }
        }

        byte[] payload = DelegatePayload.EncodeFunction(function); // Throws in the caller if it cannot cross.
        if (known is not null && payload.AsSpan().SequenceEqual(known.Payload))
        {
            return known;
        }

        var made = new PoolFunction(Interlocked.Increment(ref nextFunctionId), payload, function.Method.GetParameters());
        lock (functionsGate)
        {
            if (functions.Count >= MaxKnownFunctions)
            {
                functions.Clear(); // Closures made per call: keep the table small; workers are told to forget too.
            }

            functions[function] = made;
        }

        return made;
    }

    /// <summary>Whether objects of <paramref name="type"/> have instance fields (a lambda that captures nothing has a target without any).</summary>
    private static bool HoldsState(Type type) => StatefulTypes.GetOrAdd(
        type,
        static t => t.GetFields(System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic).Length > 0);

    private void Enqueue(ProcessTask task, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            if (State is PoolState.Terminated or PoolState.Broken)
            {
                throw NotAcceptingException();
            }

            queued.AddLast(task);
        }

        if (cancellationToken.CanBeCanceled)
        {
            task.Cancellation = cancellationToken.UnsafeRegister(static (state, token) => ((ProcessPool)((object[])state!)[0]).OnCancel((ProcessTask)((object[])state!)[1], token), new object[] { this, task });
        }

        Pump();
    }

    private void OnCancel(ProcessTask task, CancellationToken token)
    {
        ChildProcess? stop = null;
        lock (gate)
        {
            if (task.Worker is null)
            {
                if (!queued.Remove(task))
                {
                    return; // Already finished or failed.
                }
            }
            else
            {
                ProcessWorker worker = task.Worker;
                int at = worker.InFlight.IndexOf(task);
                if (at < 0)
                {
                    return;
                }

                task.CancelRequested = true;
                if (!task.Running)
                {
                    if (!worker.Claims.TryRevoke(task.Seq))
                    {
                        return; // The worker has just started it: it is stopped when the pool sees it start (BeginRunning).
                    }

                    // Taken back from the worker's pipe: the worker skips it, and it ends now, as if still queued.
                    // (Not the task it runs: once it is ready, the head of its line is running as far as the pool knows.)
                    worker.InFlight.RemoveAt(at);
                    task.Worker = null;
                }
                else
                {
                    worker.Retiring = true; // Its TerminationToken is spent: no more tasks for it.
                    stop = worker.Child;
                }
            }
        }

        if (stop is null)
        {
            CountDropped();
            task.Cancel(token);
            return;
        }

        StopCancelled(stop);
    }

    /// <summary>
    /// Stops the worker whose running task was cancelled: cooperatively first (SIGTERM cancels
    /// <see cref="CurrentProcess.TerminationToken"/> if the task watches it, or ends the worker if not), then, if
    /// it is still there after <see cref="CancelGracePeriod"/>, SIGKILL. The worker must already be retiring.
    /// </summary>
    /// <remarks>
    /// It runs outside the pool lock, on whatever thread cancelled the task (a timer's, for <c>CancelAfter</c>), and
    /// the worker may exit and be disposed by its reader meanwhile: it only uses the members that work on a
    /// disposed child, never the public ones that refuse it.
    /// </remarks>
    private void StopCancelled(ChildProcess worker)
    {
        worker.TerminateIfRunning();
        if (CancelGracePeriod == TimeSpan.Zero)
        {
            worker.KillIfRunning();
        }
        else if (CancelGracePeriod != Timeout.InfiniteTimeSpan)
        {
            _ = KillLaterAsync(worker, CancelGracePeriod);
        }
    }

    private static async Task KillLaterAsync(ChildProcess child, TimeSpan gracePeriod)
    {
        using var grace = new CancellationTokenSource(gracePeriod);
        try
        {
            await child.WaitForExitEvenIfDisposedAsync(grace.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            child.KillIfRunning();
        }
    }

    /// <summary>
    /// Sends queued tasks to workers with room; when none is queued, lets each idle worker take tasks that a busy
    /// worker holds and has not started; closes idle workers once the pool is closed and drained. Never waits to
    /// write (it runs on the workers' reader threads too; see <see cref="ProcessWorker"/>).
    /// </summary>
    private void Pump()
    {
        List<ProcessWorker>? touched = null;
        lock (gate)
        {
            while (queued.Count > 0 && PickWorker() is { } worker)
            {
                ProcessTask task = queued.First!.Value;
                queued.RemoveFirst();
                Dispatch(worker, task, ref touched);
            }

            if (queued.Count == 0)
            {
                foreach (ProcessWorker? w in slots)
                {
                    if (w is { Gone: false, Retiring: false, EndClosed: false, Ready: true } && w.InFlight.Count == 0)
                    {
                        Steal(w, ref touched);
                    }
                }
            }

            if (State != PoolState.Open && queued.Count == 0)
            {
                foreach (ProcessWorker? w in slots)
                {
                    if (w is { Gone: false, EndClosed: false } && w.InFlight.Count == 0)
                    {
                        w.EndClosed = true;
                        w.PostClose();
                        Touch(w, ref touched);
                    }
                }
            }
        }

        if (touched is not null)
        {
            foreach (ProcessWorker w in touched)
            {
                w.Flush();
            }

            touched.Clear();
            spareTouched = touched;
        }
    }

    /// <summary>Sends <paramref name="task"/> to <paramref name="worker"/>, with its function if the worker does not know it yet (pool lock).</summary>
    private void Dispatch(ProcessWorker worker, ProcessTask task, ref List<ProcessWorker>? touched)
    {
        if (!worker.Known.Contains(task.Function.Id))
        {
            if (worker.Known.Count >= MaxKnownFunctions)
            {
                worker.Post(ForgetFrame);
                worker.Known.Clear();
            }

            worker.Post(task.Function.DefineFrame);
            worker.Known.Add(task.Function.Id);
        }

        task.Seq = worker.NextSeq++;
        task.Worker = worker;
        worker.PostTask(task.Frame, task.Seq);
        worker.InFlight.Add(task);
        if (worker.InFlight.Count == 1 && worker.Ready)
        {
            BeginRunning(worker, task);
        }

        Touch(worker, ref touched);
    }

    /// <summary>
    /// Adds <paramref name="worker"/> to the workers <see cref="Pump"/> flushes once out of the lock. The list is
    /// this thread's spare one, reused: a list per call was about a tenth of what a map of one-item tasks
    /// allocated (each of its tasks passes through <see cref="Pump"/> twice).
    /// </summary>
    private static void Touch(ProcessWorker worker, ref List<ProcessWorker>? touched)
    {
        if (touched is null)
        {
            touched = spareTouched ?? [];
            spareTouched = null; // Taken, should a Pump ever run inside another on this thread.
        }

        if (!touched.Contains(worker))
        {
            touched.Add(worker);
        }
    }

    /// <summary>
    /// The idle worker <paramref name="thief"/> takes half (rounded up) of the tasks that the busiest other worker
    /// holds behind the one it runs and has not started, from the end of its line, and runs them in their order
    /// (pool lock). A task is taken only if the compare-and-swap on its claim wins (see <see cref="TaskClaims"/>),
    /// so it runs exactly once: the worker skips it when it reaches it.
    /// </summary>
    private void Steal(ProcessWorker thief, ref List<ProcessWorker>? touched)
    {
        ProcessWorker? victim = null;
        int most = 0;
        foreach (ProcessWorker? w in slots)
        {
            int waiting = w is null || w == thief || w.Gone ? 0 : Unstarted(w);
            if (waiting > most)
            {
                (victim, most) = (w, waiting);
            }
        }

        if (victim is null)
        {
            return;
        }

        int want = Math.Min((most + 1) / 2, thief.Depth);
        int first = victim.InFlight.Count;
        while (first > victim.InFlight.Count - want && victim.Claims.TryRevoke(victim.InFlight[first - 1].Seq))
        {
            first--; // Else the worker has just started it, and all before it.
        }

        if (first == victim.InFlight.Count)
        {
            return;
        }

        ProcessTask[] taken = [.. victim.InFlight.Skip(first)];
        victim.InFlight.RemoveRange(first, taken.Length);
        TasksTaken += taken.Length;
        Touch(victim, ref touched); // Frames of the taken tasks not yet written are dropped.
        foreach (ProcessTask task in taken)
        {
            Dispatch(thief, task, ref touched);
        }
    }

    /// <summary>How many of a worker's tasks have not started, as far as the pool knows: all but the one it runs (pool lock).</summary>
    private static int Unstarted(ProcessWorker worker) =>
        worker.InFlight.Count == 0 ? 0 : worker.InFlight.Count - (worker.InFlight[0].Running ? 1 : 0);

    /// <summary>
    /// The live worker with the fewest tasks in flight, if it has room; of two with as many, the one whose running
    /// task started later, as it is likely to be free sooner (pool lock).
    /// </summary>
    private ProcessWorker? PickWorker()
    {
        ProcessWorker? best = null;
        foreach (ProcessWorker? w in slots)
        {
            if (w is { Gone: false, Retiring: false, EndClosed: false } && w.InFlight.Count < w.Depth && w.Claims.CanOffer(w.NextSeq)
                && (best is null || w.InFlight.Count < best.InFlight.Count || (w.InFlight.Count == best.InFlight.Count && w.HeadStartedAt > best.HeadStartedAt)))
            {
                best = w;
            }
        }

        return best;
    }

    /// <summary>The task is now the one its worker runs: count it started, arm its timeout (pool lock).</summary>
    private void BeginRunning(ProcessWorker worker, ProcessTask task)
    {
        if (task.CancelRequested)
        {
            // Cancelled while it waited in the worker's pipe (behind another task, or before the worker was
            // ready): it starts now, so it is stopped now, as a running task whose caller cancels it.
            worker.Retiring = true;
            StopCancelled(worker.Child);
        }

        task.Running = true;
        task.StartedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        worker.Tally.IsIdle = false;
        worker.Tally.Started();
        if (task.Timeout != Timeout.InfiniteTimeSpan)
        {
            task.Timer = new Timer(static s => ((ProcessPool)((object[])s!)[0]).OnTimeout((ProcessTask)((object[])s!)[1]), new object[] { this, task }, task.Timeout, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnTimeout(ProcessTask task)
    {
        ChildProcess? kill = null;
        lock (gate)
        {
            if (task.Worker is { } w && w.InFlight.Count > 0 && w.InFlight[0] == task)
            {
                task.TimedOut = true;
                w.Retiring = true;
                kill = w.Child;
            }
        }

        kill?.KillIfRunning(); // Outside the lock, on a timer thread: the worker may have exited and been disposed meanwhile.
    }

    /// <summary>Starts the worker of slot <paramref name="slot"/> (pool lock).</summary>
    private ProcessWorker StartWorker(int slot)
    {
        (PipeConnection mine, PipeConnection theirs) = PipeConnection.Create(duplex: true, capacity: 1 << 20);
        TaskClaims? claims = null;
        ChildProcess child;
        try
        {
            claims = TaskClaims.Create();
            child = ChildProcess.Start(
                ProcessPoolWorker.Serve,
                theirs,
                initializer,
                MaxMemoryPerWorker,
                claims.Memory,
                new ChildProcessOptions { Name = $"{Name}-Worker-{Interlocked.Increment(ref workerNumber)}", Daemon = true });
        }
        catch
        {
            mine.Dispose();
            theirs.Dispose();
            claims?.Dispose();
            throw;
        }

        theirs.Dispose();
        var worker = new ProcessWorker(slot, child, mine, claims, AddWorker());
        worker.Tally.IsIdle = true;
        _ = child.WaitForExitAsync().ContinueWith(static (_, w) => ((ProcessWorker)w!).Exited.Cancel(), worker, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        new Thread(() => ReadResults(worker)) { IsBackground = true, Name = $"{child.Name} results" }.UnsafeStart();
        return worker;
    }

    /// <summary>The reader thread of one worker: results until the worker is gone, then what its end means.</summary>
    private void ReadResults(ProcessWorker worker)
    {
        try
        {
            while (true)
            {
                ReadOnlyMemory<byte> frame;
                try
                {
                    frame = worker.End.ReceiveFrame(worker.Exited.Token); // Reused buffer: each result is decoded before the next receive.
                }
                catch (OperationCanceledException)
                {
                    // The child exited: take what it sent before it did.
                    while (worker.End.Poll(TimeSpan.Zero))
                    {
                        OnResult(worker, worker.End.ReceiveFrame());
                    }

                    break;
                }

                OnResult(worker, frame);
            }
        }
        catch (EndOfStreamException)
        {
            // The worker closed its end: it exited (or is exiting).
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            worker.Child.KillIfRunning(); // A worker that speaks nonsense is replaced.
        }

        OnWorkerGone(worker);
    }

    private void OnResult(ProcessWorker worker, ReadOnlyMemory<byte> frame)
    {
        ReadOnlySpan<byte> result = frame.Span;
        byte kind = result[0];
        long id = BinaryPrimitives.ReadInt64LittleEndian(result[1..]);
        bool retire = (result[9] & ProcessWire.RetireFlag) != 0;
        ReadOnlyMemory<byte> payload = frame[ProcessWire.ResultHeader..];
        if (kind == ProcessWire.InitFailed)
        {
            var info = WireCodec.Deserialize<RemoteExceptionInfo>(payload);
            BreakPool(new RemoteException(info, worker.Child.Name, worker.Child.Pid));
            return;
        }

        if (kind == ProcessWire.Ready)
        {
            lock (gate)
            {
                worker.Ready = true;
                deathsBeforeReady = 0;
                if (worker.InFlight.Count > 0)
                {
                    BeginRunning(worker, worker.InFlight[0]); // Its timeout counts from now, not from when the worker was started.
                }
            }

            Pump(); // Idle, it may take tasks that another worker holds.
            return;
        }

        ProcessTask task;
        bool closing = false;
        lock (gate)
        {
            if (worker.InFlight.Count == 0 || worker.InFlight[0].Id != id)
            {
                return; // Terminated meanwhile: its task has already failed.
            }

            task = worker.InFlight[0];
            worker.InFlight.RemoveAt(0);
            worker.Done++;
            worker.AverageTaskTicks = (0.8 * worker.AverageTaskTicks) + (0.2 * (System.Diagnostics.Stopwatch.GetTimestamp() - task.StartedAt));
            if (retire || (MaxTasksPerWorker > 0 && worker.Done >= MaxTasksPerWorker))
            {
                worker.Retiring = true;
            }

            if (worker.InFlight.Count > 0)
            {
                BeginRunning(worker, worker.InFlight[0]);
            }
            else
            {
                worker.Tally.IsIdle = true;
                if (worker.Retiring && !worker.EndClosed)
                {
                    worker.EndClosed = true;
                    worker.PostClose();
                    closing = true;
                }
            }
        }

        if (closing)
        {
            worker.Flush();
        }

        if (kind == ProcessWire.Ok)
        {
            task.Succeed(payload, worker.Tally); // counts it as completed, or failed if cancelled meanwhile or undecodable
        }
        else
        {
            worker.Tally.Failed();
            var info = WireCodec.Deserialize<RemoteExceptionInfo>(payload);
            task.Fail(new RemoteException(info, worker.Child.Name, worker.Child.Pid));
        }

        Pump();
    }

    /// <summary>The worker is gone: fail the task it ran, give the rest back to the queue, put a new worker in its place.</summary>
    private void OnWorkerGone(ProcessWorker worker)
    {
        worker.Child.Join();
        int exitCode = worker.Child.ExitCode ?? -1;
        ProcessTask? running = null;
        ProcessTask? cancelledBeforeStart = null;
        bool replace;
        Exception? cannotReplace = null;
        Exception? diesBeforeReady = null;
        lock (gate)
        {
            worker.Gone = true;
            ProcessTask? head = worker.InFlight.Count > 0 ? worker.InFlight[0] : null;
            if (head is { Running: true })
            {
                running = head;
                worker.InFlight.RemoveAt(0);
            }
            else if (head is { CancelRequested: true })
            {
                cancelledBeforeStart = head;
                worker.InFlight.RemoveAt(0);
            }

            // The tasks that never started (all of them, if the worker died before it was ready): first in line
            // again, in their order.
            for (int i = worker.InFlight.Count - 1; i >= 0; i--)
            {
                ProcessTask t = worker.InFlight[i];
                t.Worker = null;
                queued.AddFirst(t);
            }

            worker.InFlight.Clear();
            slots[worker.Slot] = null;
            if (!worker.Ready && ++deathsBeforeReady >= MaxDeathsBeforeReady)
            {
                // Its tasks would go from one dying worker to the next for ever.
                failedToStart = true;
                diesBeforeReady = new WorkerFailure(
                    $"{deathsBeforeReady} workers in a row died before they were ready (the last, {worker}, with exit code {exitCode}): the pool is broken. Its last lines of stderr: {worker.Child.StderrTail()}");
            }

            replace = !failedToStart && (State == PoolState.Open || (State == PoolState.Closed && queued.Count > 0));
            if (replace)
            {
                try
                {
                    slots[worker.Slot] = StartWorker(worker.Slot);
                }
                catch (Exception e) when (e is IOException or PlatformNotSupportedException or InvalidOperationException or System.ComponentModel.Win32Exception)
                {
                    cannotReplace = e; // The system refused a new process: the pool cannot keep its promise.
                }
            }
        }

        Exception? failure = null;
        if (running is not null)
        {
            if (running.TimedOut)
            {
                CountFailedElsewhere();
                failure = new TimeoutException($"The task ran longer than its timeout of {running.Timeout}; its worker {worker} was killed and replaced.");
            }
            else if (running.CancelRequested)
            {
                CountFailedElsewhere();
                failure = new OperationCanceledException();
            }
            else
            {
                worker.Tally.Failed();
                failure = new ProcessDiedException(worker.Child.Name, worker.Child.Pid, exitCode, worker.Child.StderrTail());
            }
        }

        RetireWorker(worker.Tally);
        worker.Dispose();
        worker.Child.Dispose();
        if (running is not null)
        {
            running.Fail(failure!);
        }

        if (cancelledBeforeStart is not null)
        {
            CountDropped();
            cancelledBeforeStart.Fail(new OperationCanceledException()); // Completes as cancelled (its CancelRequested is set).
        }

        if (diesBeforeReady is not null)
        {
            BreakPool(diesBeforeReady);
        }

        if (cannotReplace is not null)
        {
            BreakPool(new WorkerFailure($"A new worker could not be started in place of {worker}: {cannotReplace.Message}", cannotReplace));
        }

        Pump();
        CheckStopped();
    }

    /// <summary>Once the pool is closed or terminated and every worker has exited, Join returns.</summary>
    private void CheckStopped()
    {
        lock (gate)
        {
            if (State == PoolState.Open || slots.Any(w => w is not null) || (State == PoolState.Closed && queued.Count > 0))
            {
                return;
            }
        }

        SignalStopped();
    }
}
