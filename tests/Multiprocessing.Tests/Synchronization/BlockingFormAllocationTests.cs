using Multiprocessing.Tests.Support;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using Multiprocessing.Synchronization;

namespace Multiprocessing.Tests.Synchronization;

/// <summary>
/// The blocking forms run the same bodies as the async ones (in the <see cref="Blocking"/> mode): they must still
/// allocate nothing, on their fast paths and when they sleep, since a body run in that mode never suspends and its
/// state machine stays on the stack. Counted with <see cref="GC.GetAllocatedBytesForCurrentThread"/> over many
/// calls: less than one small object per call (a one-off allocation of the runtime's, seen once at 40 bytes, is
/// not the call's).
/// </summary>
/// <remarks>
/// A Debug build makes every async state machine a class, so a body that runs one allocates there: the tests of
/// paths that sleep run only against an optimized library (<see cref="OptimizedFactAttribute"/>). The fast paths
/// are checked in every build: that they allocate nothing even in Debug shows that they run no state machine.
/// </remarks>
public sealed class BlockingFormAllocationTests
{
    private const int Calls = 1_000;

    [Fact]
    public void SharedLock_AcquireAndRelease_Uncontended_AllocatesNothing()
    {
        using var lk = SharedLock.Create();
        AssertAllocatesNothing(() =>
        {
            using (lk.Acquire())
            {
            }
        });
    }

    [Fact]
    public void SharedQueue_TryPut_WithRoom_AllocatesNothing()
    {
        // The put body shared with PutAsync (Put<Blocking>) runs no state machine.
        using SharedQueue<int> queue = SharedQueue.Create<int>();
        AssertAllocatesNothing(() => Assert.True(queue.TryPut(1)));
    }

    [Fact]
    public void SharedQueue_PutAsync_WithRoom_AllocatesNothing()
    {
        // Its fast path (a write that needs no wait) completes synchronously: no state machine, no copy of the item.
        using SharedQueue<int> queue = SharedQueue.Create<int>();
        AssertAllocatesNothing(() => Assert.True(CompletedAtOnce(queue.PutAsync(1))));
    }

    [OptimizedFact]
    public void SharedLock_TryAcquire_TimingOutInAFutexSleep_AllocatesNothing()
    {
        using var lk = SharedLock.Create();
        using LockHandle held = lk.Acquire();
        AssertAllocatesNothing(() => Assert.Null(lk.TryAcquire(TimeSpan.FromTicks(1))), calls: 100);
    }

    [OptimizedFact]
    public unsafe void FutexSleep_WordAlreadyChanged_AllocatesNothing()
    {
        int* word = (int*)NativeMemory.AllocZeroed(sizeof(int));
        try
        {
            *word = 1;
            nint w = (nint)word;
            AssertAllocatesNothing(() => Assert.True(FutexSleep.Sleep((int*)w, 0, Deadline.Never, 0, CancellationToken.None)));
        }
        finally
        {
            NativeMemory.Free(word);
        }
    }

    [OptimizedFact]
    public unsafe void FutexSleep_TimingOut_AllocatesNothing()
    {
        int* word = (int*)NativeMemory.AllocZeroed(sizeof(int));
        try
        {
            nint w = (nint)word;
            AssertAllocatesNothing(() => Assert.False(FutexSleep.Sleep((int*)w, 0, Deadline.After(TimeSpan.FromTicks(1)), 0, CancellationToken.None)), calls: 100);
        }
        finally
        {
            NativeMemory.Free(word);
        }
    }

    private static void AssertAllocatesNothing(Action call, int calls = Calls)
    {
        call(); // Compiles and warms whatever runs once.
        call();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < calls; i++)
        {
            call();
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < SmallestObject * calls, $"{allocated} bytes allocated over {calls} calls");
    }

    /// <summary>Whether <paramref name="pending"/> had completed when returned (it is consumed).</summary>
    private static bool CompletedAtOnce(ValueTask pending)
    {
        bool completed = pending.IsCompletedSuccessfully;
        pending.GetAwaiter().GetResult();
        return completed;
    }

    /// <summary>The size of the smallest object on the heap (x64): a call that allocates anything allocates this much.</summary>
    private const int SmallestObject = 24;
}

/// <summary>A fact that runs only when the library was compiled with optimizations (Release): see <see cref="BlockingFormAllocationTests"/>.</summary>
public sealed class OptimizedFactAttribute : FactAttribute
{
    public OptimizedFactAttribute()
    {
        if (typeof(FutexSleep).Assembly.GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled == true)
        {
            Skip = "The library is a Debug build, whose async state machines are classes: run with -c Release.";
        }
    }
}
