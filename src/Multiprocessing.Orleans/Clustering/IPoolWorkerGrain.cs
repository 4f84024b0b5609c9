namespace Multiprocessing.Clustering;

/// <summary>
/// The grain a <see cref="ClusterPool"/> sends its tasks to: one call per task or chunk, with the task's function
/// (encoded as a process pool encodes it) and its Run frame; the reply carries the result frame.
/// </summary>
internal interface IPoolWorkerGrain : IGrainWithIntegerKey
{
    /// <summary>Runs one task (or chunk) on this silo.</summary>
    /// <param name="function">The function, as <c>DelegatePayload.EncodeFunction</c> wrote it.</param>
    /// <param name="frame">The task's Run frame.</param>
    /// <returns>The result frame (Ok or Error) and who ran it.</returns>
    Task<PoolReply> Run(byte[] function, byte[] frame);
}
