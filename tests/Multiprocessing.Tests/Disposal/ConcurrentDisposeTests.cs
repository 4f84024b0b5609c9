using Multiprocessing.Tests.Support;
using Round = Multiprocessing.Tests.Disposal.ConcurrentDispose.Round;

namespace Multiprocessing.Tests.Disposal;

/// <summary>
/// Dispose races calls on other threads, waiting ones included, for every kind of shared object: every call
/// succeeds or throws <see cref="ObjectDisposedException"/>, waiters are woken, and the process does not crash
/// (before the fix: AccessViolationException, or a sleeper that never woke). Each runs in a child process.
/// </summary>
public sealed class ConcurrentDisposeTests
{
    public static TheoryData<string> Kinds => new()
    {
        "queue", "queue-async", "pipe", "memory", "value", "array", "lock", "rlock", "semaphore", "event", "condition", "barrier",
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Dispose_RacingCallsOnOtherThreads_EachCallSucceedsOrThrowsObjectDisposed(string kind)
    {
        using ChildProcess<string> child = ChildProcess.Start(static (string k) => ConcurrentDispose.Run(() => Make(k)), kind);

        string result = child.ResultOrFail();
        Assert.True(result.StartsWith("ok", StringComparison.Ordinal), result);
        Assert.Equal(0, child.ExitCode);
    }

    private static Round Make(string kind)
    {
        switch (kind)
        {
            case "queue":
            {
                var q = SharedQueue.Create<int>(capacity: 4096, overflow: false);
                return new([
                    () => q.Put(1),
                    () => q.Get(),
                    () => q.TryGet(out _),
                    () => _ = q.IsEmpty && q.Count >= 0 && !q.IsFull,
                    () => q.TryPut(2, TimeSpan.FromMilliseconds(1)),
                ], q.Dispose);
            }

            case "queue-async":
            {
                var q = SharedQueue.Create<int>(capacity: 4096, overflow: false);
                return new([
                    () => q.PutAsync(1).AsTask().GetAwaiter().GetResult(),
                    () => q.GetAsync().AsTask().GetAwaiter().GetResult(),
                    () => _ = q.IsEmpty,
                ], q.Dispose);
            }

            case "pipe":
            {
                (Connection a, Connection b) = Pipe.Create(capacity: 4096);
                return new([
                    () => a.Send(new byte[100]), // fills the ring (nobody reads b), then waits for room
                    () => a.Receive<int>(), // nobody sends: waits
                    () => a.ReceiveAsync<int>().AsTask().GetAwaiter().GetResult(),
                    () => a.Poll(TimeSpan.FromMilliseconds(1)),
                    () => a.Poll(),
                ], a.Dispose, b.Dispose);
            }

            case "memory":
            {
                var m = SharedMemory.Create(64);
                return new([
                    () => m.Span[0]++,
                    () => m.GetSpan(8, 8).Fill(1),
                    () => _ = m.Size,
                ], m.Dispose);
            }

            case "value":
            {
                var v = SharedValue.Create(0L);
                return new([
                    () => v.Value++,
                    () => v.Add(1),
                    () => v.CompareExchange(1, 0),
                    () => v.GetLock().Acquire().Dispose(),
                ], v.Dispose);
            }

            case "array":
            {
                var arr = SharedArray.Create<long>(8);
                return new([
                    () => arr[3]++,
                    () => arr.Add(1, 1),
                    () => arr.Exchange(2, 5),
                    () => arr.AsSpan().Fill(2),
                ], arr.Dispose);
            }

            case "lock":
            {
                var l = SharedLock.Create();
                var held = SharedLock.Open(l.Name);
                _ = held.Acquire(); // held by this process (through another handle) for the round: the acquires below wait
                return new([
                    () => l.Acquire().Dispose(), // waits while another thread holds it
                    () => l.TryAcquire()?.Dispose(),
                    () => l.AcquireAsync().AsTask().GetAwaiter().GetResult().Dispose(),
                ], l.Dispose, held.Dispose);
            }

            case "rlock":
            {
                var l = SharedRLock.Create();
                return new([
                    () =>
                    {
                        using LockHandle outer = l.Acquire();
                        l.Acquire().Dispose();
                    },
                    () => l.TryAcquire()?.Dispose(),
                ], l.Dispose);
            }

            case "semaphore":
            {
                var s = SharedSemaphore.Create(0);
                return new([
                    () => s.Acquire(), // no permit: waits, until a release
                    () => s.AcquireAsync().AsTask().GetAwaiter().GetResult(),
                    () => s.Release(),
                    () => s.TryAcquire(),
                ], s.Dispose);
            }

            case "event":
            {
                var e = SharedEvent.Create();
                return new([
                    () => e.Wait(),
                    () => e.WaitAsync().AsTask().GetAwaiter().GetResult(),
                    () => e.Set(),
                    () => e.Clear(),
                    () => _ = e.IsSet,
                ], e.Dispose);
            }

            case "condition":
            {
                var c = SharedCondition.Create();
                return new([
                    () =>
                    {
                        using LockHandle h = c.Acquire();
                        c.Wait();
                    },
                    () =>
                    {
                        using LockHandle h = c.Acquire();
                        c.NotifyAll();
                    },
                ], c.Dispose);
            }

            default:
            {
                var b = SharedBarrier.Create(3); // two waiting threads: never complete, wait until the Dispose
                return new([
                    () => b.Wait(),
                    () => b.WaitAsync().AsTask().GetAwaiter().GetResult(),
                    () => _ = b.WaitingCount + (b.IsBroken ? 1 : 0),
                ], b.Dispose);
            }
        }
    }
}
