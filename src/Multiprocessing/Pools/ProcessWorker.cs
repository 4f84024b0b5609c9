using System.Collections.Concurrent;

namespace Multiprocessing.Pools;

/// <summary>
/// The pool's side of one worker process: the child, the pool's end of its pipe, the tasks sent to it (in order;
/// the first is the one it runs), the frames waiting to be written, and the thread that reads its results.
/// Its queues and flags are guarded by the pool's lock; its pipe is written by one thread at a time.
/// </summary>
internal sealed class ProcessWorker(int slot, ChildProcess child, Connection end, WorkerTally tally)
{
    private readonly ConcurrentQueue<byte[]> outbox = new();
    private readonly Lock sendGate = new();

    public int Slot { get; } = slot;

    public ChildProcess Child { get; } = child;

    public Connection End { get; } = end;

    public WorkerTally Tally { get; } = tally;

    /// <summary>
    /// It said it is ready (started, initializer run) (pool lock). Until then the task at the head of
    /// <see cref="InFlight"/> has not started: its timeout does not run, and a terminate counts it as never run.
    /// </summary>
    public bool Ready { get; set; }

    /// <summary>Tasks sent, in the order the worker runs them (pool lock).</summary>
    public Queue<ProcessTask> InFlight { get; } = new();

    /// <summary>Ids of the functions this worker has been sent (pool lock).</summary>
    public HashSet<int> Known { get; } = [];

    /// <summary>How long its recent tasks took, on average, in <see cref="System.Diagnostics.Stopwatch"/> ticks (pool lock).</summary>
    public double AverageTaskTicks { get; set; } = System.Diagnostics.Stopwatch.Frequency / 1000.0;

    /// <summary>
    /// How many tasks it may hold (pool lock): enough to keep it busy while its results travel back, but no more
    /// than about a millisecond of its recent tasks, so that few wait behind one that turns out long.
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

    /// <summary>Cancelled when the child has exited, to wake the reader.</summary>
    public CancellationTokenSource Exited { get; } = new();

    /// <summary>Queues a frame to write (call under the pool lock, so frames keep the order of the in-flight queue).</summary>
    public void Post(byte[] frame) => outbox.Enqueue(frame);

    /// <summary>Writes the queued frames, unless another thread is doing it (outside the pool lock: a write may wait for room).</summary>
    public void Flush()
    {
        while (!outbox.IsEmpty && sendGate.TryEnter())
        {
            try
            {
                while (outbox.TryDequeue(out byte[]? frame))
                {
                    End.SendBytes(frame);
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // The worker is gone (or its end closed): its reader handles what was in flight.
                outbox.Clear();
            }
            finally
            {
                sendGate.Exit();
            }
        }
    }

    public override string ToString() => $"{Child.Name} (pid {Child.Pid})";
}
