using System.Buffers.Binary;
using System.Collections.Concurrent;
using Multiprocessing.Connections;

namespace Multiprocessing.Pools;

/// <summary>
/// The pool's side of one worker process: the child, the pool's end of its pipe, the tasks sent to it (in order;
/// the first is the one it runs), the frames waiting to be written, and the thread that reads its results.
/// Its queues and flags are guarded by the pool's lock; its pipe is written by one thread at a time.
/// </summary>
/// <remarks>
/// <para>Writing never waits on a caller's thread or on a reader thread: the worker may be waiting, with its own
/// pipe full, for the pool to read a result, and the thread that reads it is the one that would be waiting to
/// write (a deadlock). <see cref="Flush"/> writes what fits in the pipe now; what does not fit (a frame larger
/// than half the pipe, or no room left) is written by this worker's writer thread, started the first time it
/// is needed, which is the only thread that ever waits for room in the pipe.</para>
/// <para>Tasks are written with their sequence number in <see cref="Claims"/>; a task taken back (given to another
/// worker, or cancelled) and not yet written is not written at all.</para>
/// </remarks>
internal sealed class ProcessWorker(int slot, ChildProcess child, PipeConnection end, TaskClaims claims, WorkerTally tally) : IDisposable
{
    /// <summary>Bytes in front of a task's Run frame: <see cref="ProcessWire.Claim"/> and its sequence number.</summary>
    private const int ClaimHeader = 1 + 8;

    private readonly ConcurrentQueue<Outgoing> outbox = new();
    private readonly Lock sendGate = new();
    private readonly SemaphoreSlim wakeWriter = new(0);
    private Thread? writerThread;
    private int disposed;

    /// <summary>
    /// A frame taken from <see cref="outbox"/> that did not fit in the pipe, written before anything still in the
    /// outbox (sendGate; <see cref="hasHeld"/> is also read without it, to know that there is something to write).
    /// </summary>
    /// <remarks>
    /// Not peeked at in the outbox instead: <see cref="ConcurrentQueue{T}.TryPeek"/> issues a full fence and marks
    /// the queue's current segment as preserved for observation, after which its dequeues neither clear nor recycle
    /// slots: the frames written stay reachable until the segment is passed, and every 32 frames the queue
    /// allocates a new segment (about 1 KB) through its cross-segment lock. Peeking at every frame did that for
    /// every task the pool sent.
    /// </remarks>
    private Outgoing held;
    private bool hasHeld;

    public int Slot { get; } = slot;

    public ChildProcess Child { get; } = child;

    public PipeConnection End { get; } = end;

    /// <summary>Which of the tasks written to it the worker has started, and which the pool took back.</summary>
    public TaskClaims Claims { get; } = claims;

    public WorkerTally Tally { get; } = tally;

    /// <summary>
    /// It said it is ready (started, initializer run) (pool lock). Until then the task at the head of
    /// <see cref="InFlight"/> has not started: its timeout does not run, and a terminate counts it as never run.
    /// </summary>
    public bool Ready { get; set; }

    /// <summary>Tasks sent, in the order the worker runs them (pool lock). Tasks taken back are removed.</summary>
    public List<ProcessTask> InFlight { get; } = [];

    /// <summary>The sequence number of the next task sent to it (pool lock; see <see cref="TaskClaims"/>).</summary>
    public long NextSeq { get; set; }

    /// <summary>Ids of the functions this worker has been sent (pool lock).</summary>
    public HashSet<int> Known { get; } = [];

    /// <summary>
    /// How long its recent tasks ran in it, on average, in <see cref="System.Diagnostics.Stopwatch"/> ticks (pool
    /// lock). Measured by the worker: the time a result takes to come back is mostly waiting for a core on a busy
    /// machine, which calls for more tasks ahead, not fewer.
    /// </summary>
    public double AverageTaskTicks { get; set; } = System.Diagnostics.Stopwatch.Frequency / 1000.0;

    /// <summary>
    /// How many tasks it may hold (pool lock): enough to keep it busy while its results travel back, but no more
    /// than about a millisecond of its recent tasks, so that few wait behind one that turns out long (and an idle
    /// worker takes those, see <see cref="TaskClaims"/>).
    /// </summary>
    public int Depth => (int)Math.Clamp(System.Diagnostics.Stopwatch.Frequency / 1000.0 / Math.Max(1, AverageTaskTicks), 2, 64);

    /// <summary>Tasks finished (pool lock).</summary>
    public int Done { get; set; }

    /// <summary>No more tasks for it: it reached its task or memory limit, or a task was cancelled in it (pool lock).</summary>
    public bool Retiring { get; set; }

    /// <summary>The pool closed its end: it will exit (pool lock).</summary>
    public bool EndClosed { get; set; }

    /// <summary>It died or was killed (pool lock).</summary>
    public bool Gone { get; set; }

    /// <summary>
    /// The right to take frames off <see cref="End"/> and handle them (in order, one thread at a time): held by the
    /// reader thread while it reads, or by an <c>Apply</c> caller that reads its own result (see
    /// <see cref="ProcessTask.CallerReads"/>), which handles every frame that comes meanwhile as the reader would.
    /// </summary>
    public Lock ReadRole { get; } = new();

    /// <summary>
    /// The reader thread sleeps on it while every task in flight has its caller reading (<see cref="ReaderParked"/>):
    /// a round trip then takes two threads, the caller's and the worker's, not three. Released by
    /// <see cref="WakeReader"/>; never disposed (a late release must not throw).
    /// </summary>
    public SemaphoreSlim ReaderWake { get; } = new(0);

    /// <summary>The reader thread sleeps on <see cref="ReaderWake"/> (pool lock).</summary>
    public bool ReaderParked { get; set; }

    /// <summary>Wakes the reader thread if it sleeps (pool lock): a task in flight now needs it (its caller does not read, or stopped reading).</summary>
    public void WakeReader()
    {
        if (ReaderParked)
        {
            ReaderParked = false;
            ReaderWake.Release();
        }
    }

    /// <summary>Whether the reader thread may sleep (pool lock): the worker said it is ready, and every task in flight has its caller reading.</summary>
    public bool CallersReadAll()
    {
        if (!Ready || Gone)
        {
            return false;
        }

        foreach (ProcessTask task in InFlight)
        {
            if (!task.CallerReads)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Cancelled when the child has exited, to wake the reader.</summary>
    public CancellationTokenSource Exited { get; } = new();

    /// <summary>When its running task started, or <see cref="long.MaxValue"/> if it runs none (pool lock): the later, the sooner it is likely free.</summary>
    public long HeadStartedAt => InFlight.Count > 0 && InFlight[0].Running ? InFlight[0].StartedAt : long.MaxValue;

    /// <summary>
    /// Whether the worker has started <paramref name="task"/>, one of <see cref="InFlight"/> (pool lock): the pool began
    /// it, or the worker claimed it in <see cref="Claims"/>, which it does before it runs it, and possibly before the pool
    /// has read its "ready" or the result of the task before (until then the task is not <see cref="ProcessTask.Running"/>).
    /// </summary>
    public bool HasStarted(ProcessTask task) => task.Running || Claims.IsStarted(task.Seq);

    /// <summary>The task it runs, as far as it says (pool lock): the last of the tasks in <see cref="InFlight"/> it has started; null if none.</summary>
    public ProcessTask? Current()
    {
        ProcessTask? current = null;
        foreach (ProcessTask task in InFlight)
        {
            if (!HasStarted(task))
            {
                break; // It claims its tasks in order: none after this one has started.
            }

            current = task;
        }

        return current;
    }

    /// <summary>Queues a frame to write (call under the pool lock, so frames keep the order of the in-flight queue).</summary>
    public void Post(byte[] frame) => outbox.Enqueue(new Outgoing(frame, -1));

    /// <summary>Queues task <paramref name="seq"/>'s Run frame, marking it pending in <see cref="Claims"/> first (pool lock).</summary>
    public void PostTask(byte[] frame, long seq)
    {
        Claims.Offer(seq);
        outbox.Enqueue(new Outgoing(frame, seq));
    }

    /// <summary>Queues the close of the pool's sending side, after the frames queued before it (pool lock).</summary>
    public void PostClose() => outbox.Enqueue(new Outgoing(null, -1));

    /// <summary>
    /// Writes the queued frames that fit in the pipe now, unless another thread is writing; hands the rest to the
    /// writer thread. Never waits for room (see the remarks); call it outside the pool lock.
    /// </summary>
    public void Flush()
    {
        if (!Drain(mayWait: false))
        {
            WakeWriter();
        }
    }

    /// <summary>Stops the writer thread and closes the pipe and the claims in this process, once no write is under way.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        wakeWriter.Release();
        lock (sendGate)
        {
            // A write under way into the pipe of a worker that has exited fails at once (no reader is left).
            DropUnwritten();
            End.Dispose();
            Claims.Dispose();
        }
    }

    public override string ToString() => $"{Child.Name} (pid {Child.Pid})";

    /// <summary>
    /// Writes queued frames in order, unless another thread holds the pipe (it writes them). Waits for room only
    /// if <paramref name="mayWait"/> (the writer thread); otherwise returns false when a frame does not fit now.
    /// </summary>
    private bool Drain(bool mayWait)
    {
        Span<byte> head = stackalloc byte[ClaimHeader];
        head[0] = ProcessWire.Claim;
        while ((Volatile.Read(ref hasHeld) || !outbox.IsEmpty) && sendGate.TryEnter())
        {
            try
            {
                if (Volatile.Read(ref disposed) != 0)
                {
                    DropUnwritten();
                    return true;
                }

                while (TakeNext(out Outgoing next))
                {
                    bool written = true;
                    if (next.Frame is null)
                    {
                        End.CloseWriting();
                    }
                    else if (next.Seq < 0)
                    {
                        written = Write(default, next.Frame, mayWait);
                    }
                    else if (!Claims.IsRevoked(next.Seq))
                    {
                        BinaryPrimitives.WriteInt64LittleEndian(head[1..], next.Seq);
                        written = Write(head, next.Frame, mayWait);
                    }

                    if (!written)
                    {
                        held = next; // First in line for the next drain (the writer thread's).
                        Volatile.Write(ref hasHeld, true);
                        return false;
                    }
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
            {
                // The worker is gone (or its end closed): its reader handles what was in flight.
                DropUnwritten();
            }
            finally
            {
                sendGate.Exit();
            }
        }

        return true;
    }

    /// <summary>The next frame to write: the one held back, if any, else the outbox's first (sendGate).</summary>
    private bool TakeNext(out Outgoing next)
    {
        if (hasHeld)
        {
            next = held;
            held = default;
            Volatile.Write(ref hasHeld, false);
            return true;
        }

        return outbox.TryDequeue(out next);
    }

    /// <summary>Forgets every frame not written yet (sendGate).</summary>
    private void DropUnwritten()
    {
        held = default;
        Volatile.Write(ref hasHeld, false);
        outbox.Clear();
    }

    private bool Write(ReadOnlySpan<byte> head, byte[] frame, bool mayWait)
    {
        if (mayWait)
        {
            // Until the worker exits: one that died before it opened its end of the pipe leaves that end held
            // (reserved for it by this process), so the pipe alone would not say that nobody reads.
            End.Send(head, frame, Exited.Token);
            return true;
        }

        return End.TrySendNow(head, frame);
    }

    private void WakeWriter()
    {
        if (writerThread is null)
        {
            lock (outbox)
            {
                if (writerThread is null)
                {
                    writerThread = new Thread(WriteLoop) { IsBackground = true, Name = $"{Child.Name} tasks" };
                    writerThread.UnsafeStart();
                }
            }
        }

        wakeWriter.Release();
    }

    /// <summary>The writer thread: writes what did not fit, waiting for room, until the worker is gone.</summary>
    private void WriteLoop()
    {
        while (true)
        {
            wakeWriter.Wait();
            if (Volatile.Read(ref disposed) != 0)
            {
                return;
            }

            Drain(mayWait: true);
        }
    }

    /// <summary>A frame to write: a task's (with its sequence number), another (<c>Seq</c> -1), or the close of the sending side (no frame).</summary>
    private readonly record struct Outgoing(byte[]? Frame, long Seq);
}
