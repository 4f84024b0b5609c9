namespace Multiprocessing.Pools;

/// <summary>One <c>Apply</c>/<c>Submit</c> call queued in a <see cref="ThreadWorkerPool"/>; its timeout is the pool's.</summary>
internal sealed class ThreadTask<TResult>(ThreadWorkerPool pool, WorkItem<TResult> item, CancellationToken token)
    : ThreadWork<TResult>(pool, inlineFollower: false, token)
{
    public override long TimeoutTicksIn(ThreadWorkerPool pool) => pool.TaskTimeoutTicks;

    protected override TResult Invoke() => item.RunLocally(Token);
}
