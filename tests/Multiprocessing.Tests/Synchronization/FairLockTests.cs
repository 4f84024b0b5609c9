using Multiprocessing.Synchronization;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Synchronization;

/// <summary>
/// <see cref="FairLock"/>, the lock a manager proxy's calls take for its connection: a caller that releases it and
/// asks again at once (a sliced wait's next request) may take it again, but not ahead of a waiter that has waited the
/// starvation limit (zero here where the tests want a strict queue: every waiter has waited it).
/// </summary>
public sealed class FairLockTests
{
    [Fact]
    public void Enter_TakesAFreeLock_AtOnce_AndTryEnterFailsUntilExit()
    {
        var fifo = new FairLock();
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
    public async Task ACallerThatExitsAndEntersAgainAtOnce_QueuesBehindAThreadThatHasWaitedTheLimit()
    {
        var fifo = new FairLock(TimeSpan.Zero);
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
        var fifo = new FairLock(TimeSpan.Zero);
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
        var fifo = new FairLock(TimeSpan.Zero);
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
        var fifo = new FairLock(TimeSpan.Zero);
        Assert.True(fifo.TryEnter());
        using var cts = new CancellationTokenSource();
        ValueTask entering = fifo.Enter<Awaiting>(cts.Token);
        fifo.Exit(); // handed to the waiter
        await cts.CancelAsync();
        await entering.AsTask().WaitAsync(Within.Deadline);
        Assert.False(fifo.TryEnter());
        fifo.Exit();
    }

    /// <summary>
    /// Before the limit, a release frees the lock and wakes the first waiter to try for it; whether the releaser takes
    /// it again first or the waiter does (a race, both ways taken over the rounds), the waiter ends up with the lock.
    /// </summary>
    [Fact]
    public async Task AWaiterWokenToTry_GetsTheLock_WhetherOrNotTheReleaserTookItAgainFirst()
    {
        var fifo = new FairLock(TimeSpan.FromHours(1));
        int barged = 0;
        for (int round = 0; round < 200; round++)
        {
            Assert.True(fifo.TryEnter());
            Task waiting = fifo.Enter<Awaiting>(default).AsTask();
            Assert.Equal(1, fifo.WaiterCount);
            fifo.Exit();
            if (fifo.TryEnter())
            {
                barged++; // the waiter, woken, finds it taken and waits again in its place
                fifo.Exit();
            }

            await waiting.WaitAsync(Within.Deadline);
            Assert.Equal(0, fifo.WaiterCount);
            fifo.Exit();
        }

        Assert.True(fifo.TryEnter()); // nothing left held
        fifo.Exit();
        Assert.InRange(barged, 0, 200);
    }

    /// <summary>A caller that keeps releasing and taking the lock again cannot keep a waiter from it past the limit: the lock is then handed to the waiter.</summary>
    [Fact]
    public async Task ACallerThatKeepsTakingTheLockAgain_HandsItToAWaiterThatHasWaitedTheLimit()
    {
        var fifo = new FairLock(TimeSpan.FromMilliseconds(50));
        Assert.True(fifo.TryEnter());
        Task<bool> waiter = Task.Factory.StartNew(() =>
        {
            Blocking.Wait(fifo.Enter<Blocking>(default));
            fifo.Exit();
            return true;
        }, TaskCreationOptions.LongRunning);
        await WaitUntil(() => fifo.WaiterCount == 1, "the thread to wait for the lock");

        using var deadline = new CancellationTokenSource(Within.Deadline);
        while (!waiter.IsCompleted)
        {
            fifo.Exit();
            Blocking.Wait(fifo.Enter<Blocking>(deadline.Token)); // once handed to the waiter, this waits for it
        }

        Assert.True(await waiter);
        fifo.Exit();
    }

    [Fact]
    public void Enter_WithATokenAlreadyCancelled_WhileTheLockIsHeld_Throws_AndQueuesNothing()
    {
        var fifo = new FairLock();
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
