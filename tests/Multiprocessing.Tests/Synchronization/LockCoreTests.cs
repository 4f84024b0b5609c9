using System.Diagnostics;
using System.Runtime.InteropServices;
using Multiprocessing.Synchronization;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Synchronization;

/// <summary>
/// <see cref="LockCore"/> on a lock word in this process's own memory, threads contending: acquire and release,
/// timeouts, cancellation, the async form, and holders that died (the pid of an exited process in the word).
/// </summary>
public sealed class LockCoreTests : IDisposable
{
    /// <summary>The lock's address (the tests are async and use threads: no pointer is kept in them).</summary>
    private readonly nint at = AllocZeroedLock();

    private int Sleepers => SleepersAt(at);

    public void Dispose() => Free(at);

    [Fact]
    public void TryAcquire_TakesAFreeLock_Once_AndReleaseFreesIt()
    {
        Assert.True(TryAcquire(at));
        Assert.Equal(Environment.ProcessId, Holder(at));
        Assert.False(TryAcquire(at)); // not re-entrant, even for its holder

        Release(at);

        Assert.Equal(0, Holder(at));
        Assert.Throws<SynchronizationLockException>(() => Release(at));
    }

    [Fact]
    public async Task Acquire_WhileAnotherThreadHolds_TimesOut_ThenGetsItOnceReleased()
    {
        Assert.True(TryAcquire(at));

        Assert.False(await Task.Run(() => Acquire(at, Deadline.After(TimeSpan.FromMilliseconds(100)), default).Acquired));
        Assert.False(await Task.Run(() => Acquire(at, Deadline.After(TimeSpan.Zero), default).Acquired));

        Task<(bool, bool)> waiting = Task.Run(() => Acquire(at, Deadline.Never, default));
        Until(() => Sleepers == 1 || waiting.IsCompleted, "the waiter sleeps");
        Release(at);

        Assert.Equal((true, false), await waiting.WaitAsync(Within.Deadline));
        Assert.Equal(0, Sleepers);
        Release(at);
    }

    [Fact]
    public async Task Acquire_Cancelled_Throws_AndLeavesNoSleeperBehind()
    {
        Assert.True(TryAcquire(at));
        using var cts = new CancellationTokenSource();
        int tid = 0;
        var waiting = new TaskCompletionSource();
        var waiter = new Thread(() =>
        {
            Volatile.Write(ref tid, Signals.CurrentThreadId());
            try
            {
                Acquire(at, Deadline.Never, cts.Token);
                waiting.SetResult();
            }
            catch (Exception e)
            {
                waiting.SetException(e);
            }
        });
        waiter.Start();

        // Cancelled once the waiter sleeps in the kernel: a cancel that fires just before is another test's matter.
        Until(() => Volatile.Read(ref tid) != 0 && InFutexWait(Volatile.Read(ref tid)), "the waiter sleeps in futex_wait");
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.Task.WaitAsync(Within.Deadline));
        Assert.Equal(0, Sleepers);
        Assert.Equal(Environment.ProcessId, Holder(at)); // the holder still holds it
        Release(at);
    }

    [Fact]
    public async Task ACancelThatFiresAsTheWaiterGoesToSleep_IsNotLost()
    {
        // The cancel wakes the futex, but a wake-up with nobody asleep yet is lost, and the waiter then sleeps to its
        // deadline, after which Acquire says "timed out" instead of throwing. The deadline is one no healthy round
        // reaches, so that "timed out" means a lost cancel and nothing else: with 200 ms, on a loaded machine the
        // waiter's time could run out before this thread, descheduled, had even called Cancel.
        Assert.True(TryAcquire(at));
        for (int round = 0; round < 200; round++)
        {
            using var cts = new CancellationTokenSource();
            var outcome = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            var waiter = new Thread(() =>
            {
                try
                {
                    outcome.SetResult(Acquire(at, Deadline.After(Within.Deadline), cts.Token).Acquired ? "acquired" : "timed out");
                }
                catch (OperationCanceledException)
                {
                    outcome.SetResult("cancelled");
                }
            });
            waiter.Start();
            Until(() => Sleepers == 1 || outcome.Task.IsCompleted, "the waiter counts itself a sleeper");
            cts.Cancel();
            Assert.True(waiter.Join(Within.Deadline + Within.Deadline), $"round {round}: the waiter did not return");
            Assert.Equal("cancelled", await outcome.Task);
        }

        Release(at);
    }

    [Fact]
    public async Task AcquireAsync_CompletesWhenTheHolderReleases_AndTimesOutOtherwise()
    {
        Assert.True(TryAcquire(at));

        Assert.Equal((false, false), await LockCore.AcquireAsync(at, Deadline.After(TimeSpan.FromMilliseconds(100)), default));

        Task<(bool, bool)> waiting = LockCore.AcquireAsync(at, Deadline.Never, default).AsTask();
        Until(() => Sleepers == 1 || waiting.IsCompleted, "the async waiter sleeps");
        Assert.False(waiting.IsCompleted);
        Release(at);

        Assert.Equal((true, false), await waiting.WaitAsync(Within.Deadline));
        Release(at);
    }

    [Fact]
    public void AHolderThatDied_IsTakenOver_ByAnAcquireThatDoesNotWait_AndTheTakerIsTold()
    {
        SetHolder(at, DeadPid());

        Assert.False(TryAcquire(at)); // the plain try does not look at the holder
        Assert.Equal((true, true), Acquire(at, Deadline.After(TimeSpan.Zero), default));

        Assert.Equal(Environment.ProcessId, Holder(at));
        Release(at);
    }

    [Fact]
    public async Task AHolderThatDiesWhileOthersSleep_WakesThem_AndOneTakesOver()
    {
        using Process holder = Process.Start(new ProcessStartInfo("sleep", "60") { UseShellExecute = false })!;
        SetHolder(at, holder.Id);

        Task<(bool, bool)> blocking = Task.Run(() => Acquire(at, Deadline.After(Within.Deadline), default));
        Task<(bool, bool)> awaiting = LockCore.AcquireAsync(at, Deadline.After(Within.Deadline), default).AsTask();
        Until(() => Sleepers == 2, "both waiters sleep");
        holder.Kill();
        await holder.WaitForExitAsync();

        // One takes it over (and is told); the other gets it when that one releases.
        Task<(bool, bool)> first = await Task.WhenAny(blocking, awaiting).WaitAsync(Within.Deadline);
        Assert.Equal((true, true), await first);
        Release(at);
        Task<(bool, bool)> second = first == blocking ? awaiting : blocking;
        Assert.Equal((true, false), await second.WaitAsync(Within.Deadline));
        Release(at);
    }

    [Fact]
    public void ThreadsIncrementingUnderTheLock_LoseNoUpdate_AndNoSleeperIsLeft()
    {
        const int Threads = 4, Rounds = 20_000;
        int counter = 0, timeouts = 0;
        Thread[] threads = [.. Enumerable.Range(0, Threads).Select(_ => new Thread(() =>
        {
            for (int r = 0; r < Rounds; r++)
            {
                if (!TryAcquire(at) && !Acquire(at, Deadline.After(Within.Deadline), default).Acquired)
                {
                    Interlocked.Increment(ref timeouts);
                    return;
                }

                counter = counter + 1; // a read and a write: without the lock, updates could be lost
                Release(at);
            }
        }))];

        foreach (Thread t in threads)
        {
            t.Start();
        }

        foreach (Thread t in threads)
        {
            Assert.True(t.Join(Within.Deadline));
        }

        Assert.Equal((0, Threads * Rounds), (timeouts, counter));
        Assert.Equal((0, 0), (Holder(at), Sleepers));
    }

    /// <summary>Whether thread <paramref name="tid"/> of this process is blocked in the futex system call.</summary>
    private static bool InFutexWait(int tid)
    {
        // futex, or futex_waitv: a cancellable blocking sleep also watches its cancel word.
        try
        {
            string call = File.ReadAllText($"/proc/self/task/{tid}/syscall");
            return call.StartsWith($"{Multiprocessing.Interop.SyscallNumbers.Futex} ", StringComparison.Ordinal)
                || call.StartsWith($"{Multiprocessing.Interop.SyscallNumbers.FutexWaitv} ", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static unsafe nint AllocZeroedLock() => (nint)NativeMemory.AllocZeroed((nuint)sizeof(LockState));

    private static unsafe void Free(nint at) => NativeMemory.Free((void*)at);

    private static unsafe bool TryAcquire(nint at) => LockCore.TryAcquire((LockState*)at);

    private static unsafe (bool Acquired, bool Abandoned) Acquire(nint at, Deadline deadline, CancellationToken cancellationToken) =>
        (LockCore.Acquire((LockState*)at, deadline, cancellationToken, out bool abandoned), abandoned);

    private static unsafe void Release(nint at) => LockCore.Release((LockState*)at);

    private static unsafe int Holder(nint at) => LockCore.Holder((LockState*)at);

    private static unsafe int SleepersAt(nint at) => Volatile.Read(ref ((LockState*)at)->Sleepers);

    private static unsafe void SetHolder(nint at, int pid) => ((LockState*)at)->Word = pid;

    private static void Until(Func<bool> condition, string what) =>
        Assert.True(SpinWait.SpinUntil(condition, Within.Deadline), $"{what}: not within {Within.Deadline.TotalSeconds} s");

    /// <summary>The pid of a process that has exited and been reaped.</summary>
    private static int DeadPid()
    {
        using Process p = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        p.WaitForExit();
        return p.Id;
    }
}
