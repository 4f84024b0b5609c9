using Multiprocessing.Synchronization;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Synchronization;

/// <summary>
/// <see cref="FifoLock"/>, the lock a manager proxy's calls take for its connection: handed to blocking and
/// awaiting waiters in the order they came, so that a caller that releases and asks again at once (a sliced wait's
/// next request) queues behind those already waiting.
/// </summary>
public sealed class FifoLockTests
{
    [Fact]
    public void Enter_TakesAFreeLock_AtOnce_AndTryEnterFailsUntilExit()
    {
        var fifo = new FifoLock();
        Assert.True(fifo.Enter<Blocking>(default).AsTask().IsCompletedSuccessfully);
        Assert.False(fifo.TryEnter());
        fifo.Exit();
        Assert.True(fifo.TryEnter());
        fifo.Exit();
        Assert.Throws<SynchronizationLockException>(fifo.Exit);
    }

    /// <summary>
    /// The failure it replaces: a <see cref="SemaphoreSlim"/> released with a blocked waiter gives its count to the
    /// next <c>WaitAsync</c> made before that thread has run, which is what a sliced awaited wait does after each
    /// slice, so a blocking call on the same manager proxy waited behind it for seconds (for ever on a busy machine).
    /// </summary>
    [Fact]
    public async Task ACallerThatExitsAndEntersAgainAtOnce_QueuesBehindTheThreadThatWasWaiting()
    {
        var fifo = new FifoLock();
        var order = new List<string>();
        Assert.True(fifo.TryEnter());

        Task blocked = Task.Factory.StartNew(() =>
        {
            Blocking.Wait(fifo.Enter<Blocking>(default));
            lock (order)
            {
                order.Add("blocked thread");
            }

            fifo.Exit();
        }, TaskCreationOptions.LongRunning);
        await WaitUntil(() => fifo.WaiterCount == 1, "the thread to wait for the lock");

        fifo.Exit();
        ValueTask again = fifo.Enter<Awaiting>(default);
        Assert.False(again.IsCompleted); // the lock went to the waiting thread, not to this caller
        await again.AsTask().WaitAsync(Within.Deadline);
        lock (order)
        {
            order.Add("caller again");
        }

        fifo.Exit();
        await blocked.WaitAsync(Within.Deadline);
        Assert.Equal(["blocked thread", "caller again"], order);
    }

    [Fact]
    public async Task BlockingAndAwaitingWaiters_GetTheLock_InTheOrderTheyCame()
    {
        var fifo = new FifoLock();
        var order = new List<int>();
        Assert.True(fifo.TryEnter());
        var waiters = new List<Task>();
        for (int i = 0; i < 6; i++)
        {
            int n = i;
            waiters.Add(n % 2 == 0
                ? Task.Factory.StartNew(() => { Blocking.Wait(fifo.Enter<Blocking>(default)); Record(n); }, TaskCreationOptions.LongRunning)
                : EnterAsync(n));
            await WaitUntil(() => fifo.WaiterCount == n + 1, $"waiter {n} to queue");
        }

        fifo.Exit();
        await Task.WhenAll(waiters).WaitAsync(Within.Deadline);
        Assert.Equal([0, 1, 2, 3, 4, 5], order);
        Assert.True(fifo.TryEnter()); // the last one let it go
        fifo.Exit();

        async Task EnterAsync(int n)
        {
            await fifo.Enter<Awaiting>(default);
            Record(n);
        }

        void Record(int n)
        {
            lock (order)
            {
                order.Add(n);
            }

            fifo.Exit();
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AWaiterWhoseTokenFires_LeavesTheQueue_AndTheNextOneGetsTheLock(bool blocking)
    {
        var fifo = new FifoLock();
        Assert.True(fifo.TryEnter());
        using var cts = new CancellationTokenSource();
        Task cancelled = blocking
            ? Task.Factory.StartNew(() => Blocking.Wait(fifo.Enter<Blocking>(cts.Token)), TaskCreationOptions.LongRunning)
            : fifo.Enter<Awaiting>(cts.Token).AsTask();
        await WaitUntil(() => fifo.WaiterCount == 1, "the first waiter to queue");
        Task next = fifo.Enter<Awaiting>(default).AsTask();
        Assert.Equal(2, fifo.WaiterCount);

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(Within.Deadline));
        Assert.Equal(1, fifo.WaiterCount);

        fifo.Exit();
        await next.WaitAsync(Within.Deadline); // the lock skipped the cancelled waiter
        Assert.False(fifo.TryEnter());
        fifo.Exit();
        Assert.True(fifo.TryEnter());
        fifo.Exit();
    }

    [Fact]
    public async Task ATokenThatFiresAfterTheLockWasHandedOver_IsIgnored_AndTheWaiterHoldsTheLock()
    {
        var fifo = new FifoLock();
        Assert.True(fifo.TryEnter());
        using var cts = new CancellationTokenSource();
        ValueTask entering = fifo.Enter<Awaiting>(cts.Token);
        fifo.Exit(); // handed to the waiter
        await cts.CancelAsync();
        await entering.AsTask().WaitAsync(Within.Deadline);
        Assert.False(fifo.TryEnter());
        fifo.Exit();
    }

    [Fact]
    public void Enter_WithATokenAlreadyCancelled_WhileTheLockIsHeld_Throws_AndQueuesNothing()
    {
        var fifo = new FifoLock();
        Assert.True(fifo.TryEnter());
        Assert.ThrowsAny<OperationCanceledException>(() => Blocking.Wait(fifo.Enter<Blocking>(new CancellationToken(canceled: true))));
        Assert.Equal(0, fifo.WaiterCount);
        fifo.Exit();
        Assert.True(fifo.TryEnter());
    }

    private static async Task WaitUntil(Func<bool> condition, string what)
    {
        using var deadline = new CancellationTokenSource(Within.Deadline);
        while (!condition())
        {
            Assert.False(deadline.IsCancellationRequested, $"Timed out waiting for {what}.");
            await Task.Delay(1, CancellationToken.None);
        }
    }
}
