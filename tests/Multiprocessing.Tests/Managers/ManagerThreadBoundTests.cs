using System.Collections.Concurrent;
using System.Diagnostics;
using Multiprocessing.Sharing;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Managers;

/// <summary>
/// The manager serves its connections without a thread each (issue #11 point 6): hundreds of clients, each on its
/// own connection and all blocked at once in waits that never time out (a queue's get, a lock's acquire, an event's
/// wait, a condition's wait), keep its thread count (<c>/proc/&lt;pid&gt;/task</c>) within a bound; once released,
/// every wait returns what it should; and a client killed while it holds the lock and waits passes the lock on,
/// abandoned.
/// </summary>
public sealed class ManagerThreadBoundTests
{
    /// <summary>Clients per kind of wait: four kinds, so 600 connections blocked at once.</summary>
    private const int PerKind = 150;

    [Fact]
    public void SixHundredClientsBlockedInWaits_TheManagersThreadsStayBounded_AndEveryWaitEndsRight()
    {
        using var manager = Manager.Start();
        int pid = manager.Process!.Pid;
        using ManagedQueue<int> queue = manager.Queue<int>();
        using ManagedLock lk = manager.Lock();
        using ManagedEvent ev = manager.Event();
        using ManagedCondition cond = manager.Condition();
        using ManagedQueue<int> holding = manager.Queue<int>();
        using ManagedQueue<int> never = manager.Queue<int>();
        Warm(queue, lk, ev, cond);
        int threadsBefore = ManagerResourceTests.Threads(pid);
        int requestsBefore = ManagerReferenceTests.Counts.Of(manager).Requests;

        // A client process holds the lock and waits for ever (a get that never comes): it is killed later.
        using ChildProcess holder = ChildProcess.Start(static (ManagedLock l, ManagedQueue<int> h, ManagedQueue<int> n) =>
        {
            _ = l.Acquire();
            h.Put(1);
            _ = n.Get(); // for ever: nobody puts into it
        }, lk, holding, never);
        Assert.True(holding.TryGet(out int taken, Within.Deadline), $"the holder did not take the lock: {holder} exited with {holder.ExitCode} ({holder.Exception})");
        Assert.Equal(1, taken);

        var failures = new ConcurrentQueue<Exception>();
        var got = new ConcurrentBag<int>();
        var notified = new ConcurrentBag<bool>();
        var abandoned = new ConcurrentBag<bool>();
        int eventsSeen = 0;
        int conditionWaiting = 0;
        var proxies = new List<IDisposable>();
        var threads = new List<Thread>();
        try
        {
            for (int i = 0; i < PerKind; i++)
            {
                ManagedQueue<int> q = Copy(queue);
                ManagedLock l = Copy(lk);
                ManagedEvent e = Copy(ev);
                ManagedCondition c = Copy(cond);
                proxies.AddRange([q, l, e, c]);
                threads.Add(Run(failures, () => got.Add(q.Get())));
                threads.Add(Run(failures, () =>
                {
                    using LockHandle handle = l.Acquire();
                    abandoned.Add(handle.WasAbandoned);
                }));
                threads.Add(Run(failures, () =>
                {
                    e.Wait();
                    Interlocked.Increment(ref eventsSeen);
                }));
                threads.Add(Run(failures, () =>
                {
                    using LockHandle handle = c.Acquire();
                    Interlocked.Increment(ref conditionWaiting);
                    notified.Add(c.Wait());
                }));
            }

            // Every client waits in the manager now (the holder's get too), none with a timeout: the condition's
            // clients all took its lock before, so they wait in the condition (not for its lock).
            int waits = 4 * PerKind + 1;
            WaitFor(() => Volatile.Read(ref conditionWaiting) == PerKind && ManagerReferenceTests.Counts.Of(manager).Requests - requestsBefore >= waits, () =>
                $"{ManagerReferenceTests.Counts.Of(manager).Requests - requestsBefore} of {waits} waits are in the manager", failures);
            int threadsNow = ManagerResourceTests.Threads(pid);
            Assert.True(
                threadsNow <= threadsBefore + ManagerResourceTests.Bound,
                $"with {waits} clients blocked in waits, the manager has {threadsNow} threads (from {threadsBefore})");

            for (int i = 0; i < PerKind; i++)
            {
                queue.Put(i);
            }

            ev.Set();
            using (cond.Acquire(Within.Deadline))
            {
                cond.NotifyAll(); // every one of them is in the line: each released the lock only once in it
            }

            holder.Kill();
            holder.JoinOrFail();

            foreach (Thread t in threads)
            {
                Assert.True(t.Join(Within.Deadline), "a client's wait did not end");
            }

            Assert.Empty(failures);
            Assert.Equal(Enumerable.Range(0, PerKind), got.Order());
            Assert.Equal(PerKind, eventsSeen);
            Assert.Equal(PerKind, notified.Count(n => n));
            Assert.Equal(PerKind, abandoned.Count);
            Assert.Equal(1, abandoned.Count(a => a)); // the killed holder's lock, abandoned once, to its first taker
        }
        finally
        {
            proxies.ForEach(p => p.Dispose());
        }
    }

    /// <summary>One round of each kind of wait, so the manager has started what it starts once (timers, the pool) before the count is taken.</summary>
    private static void Warm(ManagedQueue<int> queue, ManagedLock lk, ManagedEvent ev, ManagedCondition cond)
    {
        queue.Put(0);
        Assert.Equal(0, queue.Get(Within.Deadline));
        lk.Acquire(Within.Deadline).Dispose();
        Assert.False(ev.TryWait(TimeSpan.FromMilliseconds(150)));
        using (cond.Acquire(Within.Deadline))
        {
            Assert.False(cond.Wait(TimeSpan.FromMilliseconds(150)));
        }
    }

    /// <summary>A second proxy to the same object, with its own connection.</summary>
    private static T Copy<T>(T proxy)
        where T : class, ISharedObject<T> => T.Reopen(((ISharedObject<T>)proxy).Descriptor);

    /// <summary>Runs <paramref name="body"/> on a thread of its own (small stack: there are hundreds), keeping what it throws.</summary>
    private static Thread Run(ConcurrentQueue<Exception> failures, Action body)
    {
        var thread = new Thread(
            () =>
            {
                try
                {
                    body();
                }
                catch (Exception e)
                {
                    failures.Enqueue(e);
                }
            },
            256 * 1024)
        { IsBackground = true };
        thread.Start();
        return thread;
    }

    /// <summary>Polls <paramref name="done"/> until it holds; fails after 30 s, or at once if a client failed.</summary>
    private static void WaitFor(Func<bool> done, Func<string> describe, ConcurrentQueue<Exception> failures)
    {
        var clock = Stopwatch.StartNew();
        while (!done())
        {
            Assert.True(failures.IsEmpty, failures.FirstOrDefault()?.ToString());
            if (clock.Elapsed > Within.Deadline)
            {
                Assert.Fail(describe());
            }

            Thread.Sleep(50);
        }
    }
}
