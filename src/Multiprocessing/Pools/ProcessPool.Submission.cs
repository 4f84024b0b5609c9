using System.Diagnostics;
using Multiprocessing.Diagnostics;
using Multiprocessing.Pools;

namespace Multiprocessing;

public sealed partial class ProcessPool
{
    private protected override Task<TResult> RunAsync<TResult>(WorkItem<TResult> item, CancellationToken cancellationToken)
    {
        PoolFunction function = FunctionFor(item.Function);
        Activity? activity = Tracing.StartTask(Name, -1, ActivityKind.Client);
        ProcessTask<TResult> task = ProcessTasks.Single(Interlocked.Increment(ref nextTaskId), function, item, TaskTimeout, cancellationToken, trace: true, activity);
        if (item.CallerWaits)
        {
            task.CallerReads = true; // Before it can reach a worker: that worker's reader thread then stays asleep for it.
            callersRead = true;
            applied = (task, task.Task);
        }

        Enqueue(task, task.Task, activity, cancellationToken);
        return task.Task;
    }

    private protected override Task<TResult[]> RunChunkAsync<TArgs, TResult>(ChunkItem<TArgs, TResult> chunk, CancellationToken cancellationToken)
    {
        PoolFunction function = FunctionFor(chunk.Function);
        Activity? activity = Tracing.StartTask(Name, chunk.Items.Count, ActivityKind.Client);
        ProcessTask task = ProcessTasks.Chunk(Interlocked.Increment(ref nextTaskId), function, chunk, cancellationToken, out Task<TResult[]> result, trace: true, activity);
        Enqueue(task, result, activity, cancellationToken);
        return result;
    }

    /// <inheritdoc/>
    private protected override bool TakesChunkItemsAtSubmission => true;

    /// <inheritdoc/>
    internal override bool EncodesDelegates => true;

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
