using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;
using MessagePack;
using Multiprocessing.Codec;
using Multiprocessing.Diagnostics;

namespace Multiprocessing.Pools;

/// <summary>
/// Makes the <see cref="ProcessTask"/> of a call or a chunk: its Run frame, encoded in the caller (so that an
/// argument that cannot cross fails there), and the caller's task, which decodes the result frame. Shared by every
/// pool that sends encoded tasks (<see cref="ProcessPool"/>, and the cluster pool of Multiprocessing.Orleans).
/// </summary>
internal static class ProcessTasks
{
    /// <summary>The task of one <c>Apply</c>/<c>Submit</c> call.</summary>
    /// <param name="id">The task's id.</param>
    /// <param name="function">The call's function.</param>
    /// <param name="item">The call.</param>
    /// <param name="timeout">The task's timeout.</param>
    /// <param name="cancellationToken">The call's token.</param>
    /// <param name="trace">Whether the frame carries a trace context (see <see cref="Traced"/>): for pools whose workers read it.</param>
    /// <param name="activity">The task's activity, if any.</param>
    /// <exception cref="ArgumentException">An argument cannot be encoded; the message names it.</exception>
    public static ProcessTask<TResult> Single<TResult>(long id, PoolFunction function, WorkItem<TResult> item, TimeSpan timeout, CancellationToken cancellationToken, bool trace = false, Activity? activity = null)
    {
        // One scalar argument: its scalar form, written without the codec's general path (which runs unoptimized
        // in a young process) and read the same way by the worker's scalar runner (or by its codec otherwise).
        Span<byte> scalar = stackalloc byte[Codec.FastCodec.MaxScalarSize];
        int length = function.Parameters.Length == 1 ? item.WriteScalarArgument(scalar) : -1;
        if (length >= 0)
        {
            return new ProcessTask<TResult>(id, function, Frame(ProcessWire.ScalarSingleFrame(id, function.Id, scalar[..length]), trace, activity), timeout, inlineFollower: false, cancellationToken);
        }

        object?[] args = item.Arguments;
        byte[] frame = ProcessWire.RunFrame(
            id,
            function.Id,
            ProcessWire.Single,
            1,
            (function.Parameters, args),
            static (ref MessagePackWriter w, (ParameterInfo[] Parameters, object?[] Args) s) => ProcessWire.WriteArguments(ref w, s.Parameters, s.Args));
        return new ProcessTask<TResult>(id, function, Frame(frame, trace, activity), timeout, inlineFollower: false, cancellationToken);
    }

    /// <summary>The task of one chunk of a map-style call; a map over scalars is written and read without the codec, on both sides.</summary>
    /// <param name="id">The task's id.</param>
    /// <param name="function">The chunk's function.</param>
    /// <param name="chunk">The chunk.</param>
    /// <param name="cancellationToken">The chunk's token.</param>
    /// <param name="result">The caller's task of the chunk.</param>
    /// <param name="trace">Whether the frame carries a trace context (see <see cref="Traced"/>): for pools whose workers read it.</param>
    /// <param name="activity">The chunk's activity, if any.</param>
    /// <returns>The task to send.</returns>
    /// <exception cref="ArgumentException">An item cannot be encoded; the message names it.</exception>
    public static ProcessTask Chunk<TArgs, TResult>(long id, PoolFunction function, ChunkItem<TArgs, TResult> chunk, CancellationToken cancellationToken, out Task<TResult[]> result, bool trace = false, Activity? activity = null)
    {
        if (!chunk.Spread && FastCodec.IsScalar<TArgs>() && FastCodec.IsScalar<TResult>()
            && function.Parameters.Length == 1 && function.Parameters[0].ParameterType == typeof(TArgs))
        {
            var scalar = new ProcessScalarChunkTask<TResult>(
                id, function, Frame(ProcessWire.ScalarChunkFrame(id, function.Id, chunk.Items), trace, activity), chunk.Timeout, chunk.InlineFollower, chunk.Destination, chunk.DestinationOffset, chunk.Items.Count, cancellationToken);
            result = scalar.Task;
            return scalar;
        }

        byte[] frame = ProcessWire.RunFrame(
            id,
            function.Id,
            chunk.Spread ? ProcessWire.ChunkSpread : ProcessWire.Chunk,
            chunk.Items.Count,
            (function.Parameters, chunk.Items, chunk.Spread),
            static (ref MessagePackWriter w, (ParameterInfo[] Parameters, ArraySegment<TArgs> Items, bool Spread) s) =>
            {
                foreach (TArgs item in s.Items)
                {
                    if (s.Spread)
                    {
                        var tuple = (ITuple)item!;
                        object?[] args = new object?[tuple.Length];
                        for (int i = 0; i < args.Length; i++)
                        {
                            args[i] = tuple[i];
                        }

                        ProcessWire.WriteArguments(ref w, s.Parameters, args);
                    }
                    else
                    {
                        ProcessWire.WriteArguments(ref w, s.Parameters, [item]);
                    }
                }
            });
        var task = new ProcessTask<TResult[]>(id, function, Frame(frame, trace, activity), chunk.Timeout, chunk.InlineFollower, cancellationToken);
        result = task.Task;
        return task;
    }

    /// <summary>The frame to send: <paramref name="bare"/>, or with a trace context (<see cref="Traced"/>) if <paramref name="trace"/>.</summary>
    /// <remarks>Not a local function of <see cref="Chunk"/>: that would be generic, compiled at the first map of each item and result type; this one is precompiled with the library.</remarks>
    private static byte[] Frame(byte[] bare, bool trace, Activity? activity) => trace ? Traced(bare, activity) : bare;

    /// <summary>
    /// The frame to send for a task: <paramref name="frame"/> itself, or, when there is a trace context to carry (the
    /// task's <paramref name="activity"/>, else the caller's current one), the frame behind a <see cref="ProcessWire.Traced"/> header.
    /// </summary>
    private static byte[] Traced(byte[] frame, Activity? activity) =>
        TraceContextWire.ToCarry(activity) is { } carried ? TraceContextWire.Prefix(ProcessWire.Traced, carried, frame) : frame;
}
