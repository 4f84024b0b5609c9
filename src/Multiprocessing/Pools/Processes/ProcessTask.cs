using Multiprocessing.Codec;

namespace Multiprocessing.Pools;

/// <summary>A function a <see cref="ProcessPool"/> sends to its workers once each: its id and its encoded method and target.</summary>
internal sealed class PoolFunction(int id, byte[] payload, System.Reflection.ParameterInfo[] parameters)
{
    public int Id { get; } = id;

    /// <summary>The encoded function (<see cref="Processes.DelegatePayload.EncodeFunction"/>): compared with a new encoding of a delegate whose target may have changed.</summary>
    public byte[] Payload { get; } = payload;

    public byte[] DefineFrame { get; } = ProcessWire.DefineFrame(id, payload);

    public System.Reflection.ParameterInfo[] Parameters { get; } = parameters;
}

/// <summary>
/// One task of a <see cref="ProcessPool"/>: its encoded Run frame, and the caller's task to complete. Lives in
/// the pool's queue, then in its worker's in-flight queue; the head of that queue is the task the worker runs.
/// </summary>
internal abstract class ProcessTask(long id, PoolFunction function, byte[] frame, TimeSpan timeout)
{
    public long Id { get; } = id;

    public PoolFunction Function { get; } = function;

    public byte[] Frame { get; } = frame;

    public TimeSpan Timeout { get; } = timeout;

    /// <summary>The worker it was sent to; null while queued in the pool.</summary>
    public ProcessWorker? Worker { get; set; }

    /// <summary>Its sequence number for <see cref="Worker"/> (see <see cref="TaskClaims"/>).</summary>
    public long Seq { get; set; }

    /// <summary>When it reached the head of its worker's queue.</summary>
    public long StartedAt { get; set; }

    /// <summary>True once its worker began it (it reached the head of the worker's queue).</summary>
    public bool Running { get; set; }

    /// <summary>Set when the pool killed the worker because this task ran past its timeout.</summary>
    public bool TimedOut { get; set; }

    /// <summary>Set when the caller cancelled it after it was sent to a worker.</summary>
    public bool CancelRequested { get; set; }

    /// <summary>The caller's cancellation, unregistered when the task ends.</summary>
    public CancellationTokenRegistration Cancellation { get; set; }

    /// <summary>The timer of its timeout while it runs.</summary>
    public Timer? Timer { get; set; }

    /// <summary>Completes the caller's task with the encoded result.</summary>
    public abstract void Succeed(ReadOnlyMemory<byte> result, WorkerTally tally);

    /// <summary>Fails the caller's task.</summary>
    public abstract void Fail(Exception error);

    /// <summary>Cancels the caller's task.</summary>
    public abstract void Cancel(CancellationToken token);

    /// <summary>Releases the timer and the cancellation registration.</summary>
    public void Release()
    {
        Timer?.Dispose();
        Cancellation.Dispose();
    }
}

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
            tally.Failed(); // PoolCounters: a cancelled task is a failed one, even if its worker finished it
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
            tally.Failed();
            completion.TrySetException(WireCodec.DecodeFailure($"The result could not be decoded as {TypeNames.Display(typeof(TResult))}", e));
            return;
        }

        tally.Succeeded(); // counted before the caller's task completes, so that its continuation sees the count
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

/// <summary>A task whose result is decoded by the codec (or nothing, for an action).</summary>
internal sealed class ProcessTask<TResult>(long id, PoolFunction function, byte[] frame, TimeSpan timeout, bool inlineFollower, CancellationToken token)
    : ProcessTaskOf<TResult>(id, function, frame, timeout, inlineFollower, token)
{
    protected override TResult Decode(ReadOnlyMemory<byte> result) =>
        typeof(TResult) == typeof(NoResult) ? default! : WireCodec.Deserialize<TResult>(result);
}

/// <summary>
/// A chunk of a map over scalars: its results are read without the codec, straight into
/// <paramref name="destination"/> from <paramref name="offset"/> on when given (the call's result array, with which
/// the task then completes), else into a new array.
/// </summary>
internal sealed class ProcessScalarChunkTask<TItem>(
    long id, PoolFunction function, byte[] frame, TimeSpan timeout, bool inlineFollower, TItem[]? destination, int offset, int expected, CancellationToken token)
    : ProcessTaskOf<TItem[]>(id, function, frame, timeout, inlineFollower, token)
{
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    protected override TItem[] Decode(ReadOnlyMemory<byte> result)
    {
        ReadOnlySpan<byte> bytes = result.Span;
        int count = ProcessWire.ReadArrayHeader(bytes, out int at);
        if (count != expected)
        {
            throw new InvalidDataException($"A chunk of {expected} items gave {(count < 0 ? "no array" : count.ToString(System.Globalization.CultureInfo.InvariantCulture))} of results.");
        }

        TItem[] results = destination ?? new TItem[count];
        Span<TItem> into = results.AsSpan(destination is null ? 0 : offset, count);
        for (int i = 0; i < into.Length; i++)
        {
            int n = FastCodec.ScalarLength(bytes[at..]);
            if (n < 0 || !FastCodec.TryRead(bytes.Slice(at, n), out into[i]))
            {
                throw new InvalidDataException($"Result {i} of a chunk is not a {typeof(TItem).Name}.");
            }

            at += n;
        }

        return results;
    }
}
