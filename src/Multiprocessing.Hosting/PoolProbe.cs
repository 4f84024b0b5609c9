namespace Multiprocessing.Hosting;

/// <summary>What the hosting package asks a pool through its public API: an empty task, and whether the pool still accepts work.</summary>
internal static class PoolProbe
{
    private static readonly CancellationToken Cancelled = new(canceled: true);

    /// <summary>The empty task: submitted once per worker at the host's start, it makes the pool start its workers and run their initializer.</summary>
    /// <remarks>A static method of a class that names no other assembly, so that a worker process loads nothing more to run it.</remarks>
    public static void Nothing()
    {
    }

    /// <summary>
    /// Why <paramref name="pool"/> refuses new work: a <see cref="BrokenPoolException"/> (with the cause inside) once
    /// broken, an <see cref="ObjectDisposedException"/> once disposed, an <see cref="InvalidOperationException"/> once
    /// closed or terminated; null while it is open. Submits nothing: the token is already cancelled, and a pool checks
    /// that it accepts work before it looks at the token (a cancelled token gives a cancelled task, queued nowhere).
    /// </summary>
    /// <param name="pool">The pool.</param>
    /// <returns>The exception a submission gets now, or null.</returns>
    /// <remarks>
    /// An open pool (<see cref="WorkerPool.IsOpen"/>) is answered without a submission; for one that is not, the refused
    /// submission gives the exception, whose message says why (and, once broken, holds the cause). The health check's
    /// tests pin this behavior (a broken, a closed and an open pool).
    /// </remarks>
    public static Exception? WhyNotAccepting(WorkerPool pool)
    {
        if (pool.IsOpen)
        {
            return null;
        }

        try
        {
            _ = pool.Submit(Nothing, Cancelled);
            return null;
        }
        catch (Exception e) when (e is InvalidOperationException or BrokenPoolException)
        {
            return e;
        }
    }
}
