namespace Multiprocessing;

public abstract partial class WorkerPool
{
    /// <summary>Pools that were given work and have not stopped yet: the ones the end of the program waits for.</summary>
    private static readonly List<WorkerPool> Unfinished = [];

    /// <summary>Set once this pool is in <see cref="Unfinished"/> (or has stopped): read on every submission, so kept to one field.</summary>
    private bool joinedAtExit;

    static WorkerPool() => AppDomain.CurrentDomain.ProcessExit += (_, _) => FinishAtExit();

    /// <summary>
    /// Called when the program ends (<c>Main</c> returns, or <see cref="Environment.Exit"/>), before children are
    /// joined: closes every pool that was given work and waits until it has run everything already submitted, as
    /// Python's <c>concurrent.futures</c> executors are joined at exit. A task submitted and never awaited still runs.
    /// </summary>
    /// <remarks>
    /// A pool whose worker is the thread that ends the program is closed but not waited for (it would wait for
    /// itself). Work that pools submit while they are being finished is waited for too. Call
    /// <see cref="Terminate"/> before the end of the program to drop queued work instead.
    /// </remarks>
    internal static void FinishAtExit()
    {
        var finished = new HashSet<WorkerPool>();
        while (true)
        {
            WorkerPool[] pools;
            lock (Unfinished)
            {
                pools = [.. Unfinished.Where(p => !finished.Contains(p))];
            }

            if (pools.Length == 0)
            {
                return;
            }

            foreach (WorkerPool pool in pools)
            {
                pool.Close();
            }

            foreach (WorkerPool pool in pools)
            {
                finished.Add(pool);
                if (!pool.IsWorkerThread)
                {
                    pool.stopped.Wait();
                }
            }
        }
    }

    /// <summary>Puts this pool among those the end of the program waits for; called with each submission (one field read once done).</summary>
    private void JoinAtExit()
    {
        if (Volatile.Read(ref joinedAtExit))
        {
            return;
        }

        lock (Unfinished)
        {
            if (!joinedAtExit && !stopped.Task.IsCompleted)
            {
                Unfinished.Add(this);
            }

            Volatile.Write(ref joinedAtExit, true);
        }
    }

    /// <summary>Takes this pool off the list once it has stopped.</summary>
    private void LeaveExitJoin()
    {
        lock (Unfinished)
        {
            Unfinished.Remove(this);
            Volatile.Write(ref joinedAtExit, true);
        }
    }
}
