using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;
using MessagePack;
using Multiprocessing.Codec;
using Multiprocessing.Diagnostics;
using Multiprocessing.Pools;

namespace Multiprocessing;

public sealed partial class ProcessPool
{
    private protected override Task<TResult> RunAsync<TResult>(WorkItem<TResult> item, CancellationToken cancellationToken)
    {
        PoolFunction function = FunctionFor(item.Function);
        long id = Interlocked.Increment(ref nextTaskId);
        Activity? activity = Tracing.StartTask(Name, -1, ActivityKind.Client);
        object?[] args = item.Arguments;
        byte[] frame = ProcessWire.RunFrame(
            id,
            function.Id,
            ProcessWire.Single,
            1,
            (function.Parameters, args),
            static (ref MessagePackWriter w, (ParameterInfo[] Parameters, object?[] Args) s) => ProcessWire.WriteArguments(ref w, s.Parameters, s.Args));
        var task = new ProcessTask<TResult>(id, function, Traced(frame, activity), TaskTimeout, inlineFollower: false, cancellationToken);
        Enqueue(task, task.Task, activity, cancellationToken);
        return task.Task;
    }

    private protected override Task<TResult[]> RunChunkAsync<TArgs, TResult>(ChunkItem<TArgs, TResult> chunk, CancellationToken cancellationToken)
    {
        PoolFunction function = FunctionFor(chunk.Function);
        long id = Interlocked.Increment(ref nextTaskId);
        Activity? activity = Tracing.StartTask(Name, chunk.Items.Count, ActivityKind.Client);
        if (!chunk.Spread && FastCodec.IsScalar<TArgs>() && FastCodec.IsScalar<TResult>()
            && function.Parameters.Length == 1 && function.Parameters[0].ParameterType == typeof(TArgs))
        {
            // A map over scalars: items and results are written and read without the codec, on both sides.
            var scalar = new ProcessScalarChunkTask<TResult>(
                id, function, Traced(ProcessWire.ScalarChunkFrame(id, function.Id, chunk.Items), activity), chunk.Timeout, chunk.InlineFollower, chunk.Destination, chunk.DestinationOffset, chunk.Items.Count, cancellationToken);
            Enqueue(scalar, scalar.Task, activity, cancellationToken);
            return scalar.Task;
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
        var task = new ProcessTask<TResult[]>(id, function, Traced(frame, activity), chunk.Timeout, chunk.InlineFollower, cancellationToken);
        Enqueue(task, task.Task, activity, cancellationToken);
        return task.Task;
    }

    /// <inheritdoc/>
    private protected override bool TakesChunkItemsAtSubmission => true;

    private void Enqueue(ProcessTask task, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            if (State is PoolState.Terminated or PoolState.Broken)
            {
                throw NotAcceptingException();
            }

            queued.AddLast(task);
        }

        if (cancellationToken.CanBeCanceled)
        {
            task.Cancellation = cancellationToken.UnsafeRegister(static (state, token) => ((ProcessPool)((object[])state!)[0]).OnCancel((ProcessTask)((object[])state!)[1], token), new object[] { this, task });
        }

        Pump();
    }
}
