using Multiprocessing.Codec;
using Multiprocessing.Diagnostics;

namespace Multiprocessing.Pools;

/// <summary>A <see cref="ProcessTask"/> whose caller awaits a <typeparamref name="TResult"/>: completion, failure and cancellation; decoding is the subclass's.</summary>
/// <remarks>
/// The caller's continuations run asynchronously, off the worker's reader thread, unless
/// <paramref name="inlineFollower"/> says the only one is the library's own (see <see cref="ChunkItem{TArgs, TResult}.InlineFollower"/>).
/// </remarks>
internal abstract class ProcessTaskOf<TResult>(long id, PoolFunction function, byte[] frame, TimeSpan timeout, bool inlineFollower, CancellationToken token)
    : ProcessTask(id, function, frame, timeout)
{
    private readonly TaskCompletionSource<TResult> completion = new(inlineFollower ? TaskCreationOptions.None : TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<TResult> Task => completion.Task;

    public override void Succeed(ReadOnlyMemory<byte> result, WorkerTally tally)
    {
        Release();
        if (CancelRequested)
        {
            tally.Failed(StartedAt, TaskOutcome.Cancelled, null); // PoolCounters: a cancelled task is a failed one, even if its worker finished it
            completion.TrySetCanceled(token);
            return;
        }

        TResult value;
        try
        {
            value = Decode(result);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Exception failure = WireCodec.DecodeFailure($"The result could not be decoded as {TypeNames.Display(typeof(TResult))}", e);
            tally.Failed(StartedAt, TaskOutcome.Failed, failure);
            completion.TrySetException(failure);
            return;
        }

        tally.Succeeded(StartedAt); // counted before the caller's task completes, so that its continuation sees the count
        completion.TrySetResult(value);
    }

    public override void Fail(Exception error)
    {
        Release();
        if (CancelRequested)
        {
            completion.TrySetCanceled(token);
        }
        else
        {
            completion.TrySetException(error);
        }
    }

    public override void Cancel(CancellationToken token)
    {
        Release();
        completion.TrySetCanceled(token);
    }

    /// <summary>Reads the encoded result.</summary>
    /// <exception cref="InvalidDataException">It is not a <typeparamref name="TResult"/>.</exception>
    protected abstract TResult Decode(ReadOnlyMemory<byte> result);
}
