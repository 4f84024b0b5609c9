using System.Runtime.InteropServices;
using Multiprocessing.Interop;
using Multiprocessing.Synchronization;
using Multiprocessing.Tests.Managers;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Synchronization;

/// <summary>The async futex: many async waits on distinct words cost a few threads, not one each, and none is lost.</summary>
[Collection(SerialTests.Name)] // counts this process's threads
public sealed class AsyncFutexTests
{
    [Fact]
    public async Task FiveHundredWaitsOnDistinctWords_CostAFewThreads_AndEachIsWokenByItsOwnWord()
    {
        const int Words = 500; // four shards of 127
        nint words = Allocate(Words);
        try
        {
            int threadsBefore = ManagerResourceTests.Threads(Environment.ProcessId);
            var waits = new Task<bool>[Words];
            for (int i = 0; i < Words; i++)
            {
                waits[i] = AsyncFutex.WaitAsync(Word(words, i), 0, Deadline.Never, CancellationToken.None);
            }

            // Before any is woken: every wait is registered, none is done, and they are served by a few threads.
            Assert.All(Enumerable.Range(0, Words), i => Assert.Equal(1, AsyncFutex.WaitingOn(Word(words, i))));
            Assert.DoesNotContain(waits, w => w.IsCompleted);
            int threadsDuring = ManagerResourceTests.Threads(Environment.ProcessId);
            Assert.True(threadsDuring - threadsBefore <= 20, $"{Words} async waits took {threadsDuring - threadsBefore} threads");

            // Wake them in an order that crosses the shards; each wakes exactly its own wait.
            for (int i = Words - 1; i >= 0; i -= 2)
            {
                Wake(Word(words, i));
            }

            for (int i = Words - 1; i >= 0; i -= 2)
            {
                Assert.True(await waits[i].WaitAsync(TestApp.Patience));
            }

            for (int i = Words - 2; i >= 0; i -= 2)
            {
                Assert.False(waits[i].IsCompleted, $"wait {i} ended before its word was woken");
                Wake(Word(words, i));
            }

            Assert.All(await Task.WhenAll(waits).WaitAsync(TestApp.Patience), Assert.True);
        }
        finally
        {
            Free(words);
        }
    }

    [Fact]
    public async Task ShardsBeyondTheFirst_EndOnceTheirWaitsAreDone_AndANewBurstIsServedAgain()
    {
        const int Words = 300;
        nint words = Allocate(Words);
        try
        {
            for (int round = 0; round < 3; round++)
            {
                using var cancel = new CancellationTokenSource();
                var waits = new Task<bool>[Words];
                for (int i = 0; i < Words; i++)
                {
                    waits[i] = AsyncFutex.WaitAsync(Word(words, i), 0, Deadline.Never, cancel.Token);
                }

                Assert.True(AsyncFutex.ShardCount >= 3, $"round {round}: {Words} words on {AsyncFutex.ShardCount} shards");

                // Half are woken, then the other half cancelled: both leave their shard.
                for (int i = 0; i < Words; i += 2)
                {
                    Wake(Word(words, i));
                }

                for (int i = 0; i < Words; i += 2)
                {
                    Assert.True(await waits[i].WaitAsync(TestApp.Patience));
                }

                await cancel.CancelAsync();
                for (int i = 1; i < Words; i += 2)
                {
                    await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waits[i].WaitAsync(TestApp.Patience));
                }

                for (int i = 0; i < Words; i++)
                {
                    Reset(Word(words, i));
                }

                using var shardsEnded = new CancellationTokenSource(TestApp.Patience);
                while (AsyncFutex.ShardCount > 1)
                {
                    await Task.Delay(10, shardsEnded.Token);
                }
            }
        }
        finally
        {
            Free(words);
        }
    }

    private static unsafe nint Allocate(int count) => (nint)NativeMemory.AllocZeroed((nuint)count, sizeof(int));

    private static unsafe void Free(nint words) => NativeMemory.Free((void*)words);

    private static nint Word(nint words, int i) => words + (i * sizeof(int));

    private static unsafe void Reset(nint word) => *(int*)word = 0;

    private static unsafe void Wake(nint word)
    {
        Interlocked.Increment(ref *(int*)word);
        Libc.FutexWake((int*)word, int.MaxValue);
    }
}
