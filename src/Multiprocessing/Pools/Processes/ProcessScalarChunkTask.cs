using Multiprocessing.Codec;

namespace Multiprocessing.Pools;

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
