namespace Multiprocessing.Pools;

/// <summary>
/// The worker's side of the tokens of a <see cref="ProcessPool"/>'s tasks: a task whose function takes a
/// <see cref="CancellationToken"/> runs with a token of its own, which a watcher thread cancels when the pool asks
/// for that task in the worker's <see cref="TaskClaims"/>. The watcher starts with the first such task.
/// </summary>
/// <remarks>
/// The pool writes the request, then wakes the watcher; the worker publishes the task it runs, then looks at the
/// request itself (the pool may have asked before the task began here): a request is never missed, and a request
/// for a task that has ended cancels nothing (it names another sequence number).
/// </remarks>
internal sealed class TaskCancellation(TaskClaims claims) : IDisposable
{
    private readonly Lock gate = new();
    private long runningSeq = -1;
    private CancellationTokenSource? source;
    private Thread? watcher;
    private bool stopping;

    /// <summary>Task <paramref name="seq"/> begins: its token, cancelled at once if the pool already asked.</summary>
    public CancellationToken Begin(long seq)
    {
        var cts = new CancellationTokenSource(); // Not disposed: the watcher may cancel it after the task ends; it holds no timer.
        lock (gate)
        {
            runningSeq = seq;
            source = cts;
        }

        if (watcher is null)
        {
            watcher = new Thread(Watch) { IsBackground = true, Name = "Multiprocessing task cancellation" };
            watcher.UnsafeStart();
        }

        if (claims.CancelledSeq == seq)
        {
            cts.Cancel();
        }

        return cts.Token;
    }

    /// <summary>The task that took a token has ended.</summary>
    public void End()
    {
        lock (gate)
        {
            runningSeq = -1;
            source = null;
        }
    }

    /// <summary>Stops the watcher, before the claims are closed (it reads them).</summary>
    public void Dispose()
    {
        if (watcher is null)
        {
            return;
        }

        Volatile.Write(ref stopping, true);
        claims.Wake();
        watcher.Join();
    }

    private void Watch()
    {
        while (!Volatile.Read(ref stopping))
        {
            int seen = claims.CancelGeneration;
            CancellationTokenSource? cancel = null;
            lock (gate)
            {
                if (source is not null && claims.CancelledSeq == runningSeq)
                {
                    cancel = source;
                }
            }

            cancel?.Cancel(); // The token's callbacks run here, outside the lock.
            claims.WaitForCancel(seen);
        }
    }
}
