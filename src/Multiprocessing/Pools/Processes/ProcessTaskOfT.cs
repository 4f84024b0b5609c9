using Multiprocessing.Codec;

namespace Multiprocessing.Pools;

/// <summary>A task whose result is decoded by the codec (or nothing, for an action).</summary>
internal sealed class ProcessTask<TResult>(long id, PoolFunction function, byte[] frame, TimeSpan timeout, bool inlineFollower, CancellationToken token)
    : ProcessTaskOf<TResult>(id, function, frame, timeout, inlineFollower, token)
{
    protected override TResult Decode(ReadOnlyMemory<byte> result) =>
        typeof(TResult) == typeof(NoResult) ? default! : WireCodec.Deserialize<TResult>(result);
}
