namespace Multiprocessing.Clustering;

/// <summary>
/// The grain a <see cref="ClusterPool"/> sends its tasks to: one call per task or chunk, with the task's function
/// (encoded as a process pool encodes it) and its Run frame; the reply carries the result frame.
/// </summary>
internal interface IPoolWorkerGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Runs one task (or chunk) on this silo, however long it takes: Orleans' response timeout does not apply
    /// (the attribute's day is only a backstop); the silo tells <paramref name="pool"/> every
    /// <paramref name="keepAliveMs"/> that it holds the call, and the pool takes a call that goes quiet for lost.
    /// </summary>
    /// <param name="function">The function, as <c>DelegatePayload.EncodeFunction</c> wrote it.</param>
    /// <param name="frame">The task's Run frame.</param>
    /// <param name="pool">The pool, told that the silo still holds the call.</param>
    /// <param name="callId">The pool's id of this call.</param>
    /// <param name="keepAliveMs">How often to tell it, in milliseconds.</param>
    /// <param name="cancellationToken">Cancelled when the pool stops waiting (the task was cancelled, timed out or taken for lost): Orleans then forgets the call here and tells the silo.</param>
    /// <returns>The result frame (Ok or Error) and who ran it.</returns>
    [ResponseTimeout("1.00:00:00")]
    Task<PoolReply> Run(byte[] function, byte[] frame, IPoolLaneObserver pool, long callId, int keepAliveMs, CancellationToken cancellationToken);
}
