using System.Collections.Concurrent;
using System.Diagnostics;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Pools;

/// <summary>Hand-offs for pool tests: gates that hold tasks, events that say a task started, and bounded polls of the counters.</summary>
internal static class PoolTestSupport
{
    /// <summary>How long to wait where running out of time is the expected result.</summary>
    public static readonly TimeSpan Short = TimeSpan.FromMilliseconds(200);

    /// <summary>Waits for <paramref name="ev"/> (a task got there) or fails the test after 30 s.</summary>
    public static void WaitOrFail(this ManualResetEventSlim ev, string what) =>
        Assert.True(ev.Wait(Within.Deadline), $"{what} did not happen within {Within.Deadline.TotalSeconds} s.");

    /// <summary>Waits for <paramref name="ev"/> (a task got there) or fails the test after 30 s.</summary>
    public static void WaitOrFail(this CountdownEvent ev, string what) =>
        Assert.True(ev.Wait(Within.Deadline), $"{what} did not happen within {Within.Deadline.TotalSeconds} s.");

    /// <summary>Waits for <paramref name="task"/> to end (any way) or fails the test after 30 s.</summary>
    public static void EndsOrFail(this Task task, string what)
    {
        try
        {
            Assert.True(task.Wait(Within.Deadline), $"{what} did not end within {Within.Deadline.TotalSeconds} s.");
        }
        catch (AggregateException)
        {
            // Ended with an exception: that is an end.
        }
    }

    /// <summary>Waits at most <paramref name="time"/> for <paramref name="task"/>: true if it ended (any way).</summary>
    public static bool EndsWithin(this Task task, TimeSpan time) => ((IAsyncResult)task).AsyncWaitHandle.WaitOne(time);

    /// <summary>Waits for <paramref name="task"/> (at most 30 s) and returns its result, or throws its exception as itself.</summary>
    public static T ResultOrFail<T>(this Task<T> task)
    {
        task.EndsOrFail("a task");
        return task.GetAwaiter().GetResult();
    }

    /// <summary>Waits for every task (at most 30 s), then throws the first one's exception, if any, as itself.</summary>
    public static void AllEndOrFail(params Task[] tasks)
    {
        foreach (Task t in tasks)
        {
            t.EndsOrFail("a task");
        }

        foreach (Task t in tasks)
        {
            t.GetAwaiter().GetResult();
        }
    }

    /// <summary>Calls <paramref name="submit"/>, which must throw <typeparamref name="T"/> at once (not through its task).</summary>
    public static T Refuses<T>(Func<Task> submit)
        where T : Exception => Assert.IsType<T>(Record.Exception(() => { _ = submit(); }));

    /// <summary>Inside a task: waits for the test to open <paramref name="gate"/>, at most 30 s (so a failing test does not hang the run).</summary>
    public static void Hold(this ManualResetEventSlim gate) => gate.Wait(Within.Deadline);

    /// <summary>Inside a task, on a thread or in a worker process: waits for the test to open <paramref name="gate"/>, at most 30 s.</summary>
    public static void Hold(this SharedEvent gate) => gate.TryWait(Within.Deadline);

    /// <summary>
    /// A process pool's task that watches <see cref="CurrentProcess.TerminationToken"/> (so SIGTERM does not end its
    /// worker), says it started, and returns 1 once its worker got SIGTERM (or after 30 s).
    /// </summary>
    public static int ReturnsOnSigterm(SharedEvent started, SharedEvent termSeen)
    {
        using CancellationTokenRegistration r = CurrentProcess.TerminationToken.Register(termSeen.Set);
        started.Set();
        termSeen.Hold();
        return 1;
    }

    /// <summary>A worker initializer that sets <paramref name="initializing"/>, then waits for <paramref name="go"/>: the worker is not ready until the test says so.</summary>
    public static Action InitializerWaitingFor(SharedEvent initializing, SharedEvent go) => () =>
    {
        initializing.Set();
        go.Wait();
    };

    /// <summary>Waits for <paramref name="ev"/> (a task, maybe in another process, got there) or fails the test after 30 s.</summary>
    public static void WaitOrFail(this SharedEvent ev, string what) =>
        Assert.True(ev.TryWait(Within.Deadline), $"{what} did not happen within {Within.Deadline.TotalSeconds} s.");

    /// <summary>
    /// Polls <paramref name="condition"/> until it holds, failing after 30 s. For states a pool reaches on its own
    /// just after the awaited event (a thread marks itself idle right after its last task), not to hide a race.
    /// </summary>
    public static void Eventually(Func<bool> condition, Func<string> what)
    {
        var clock = Stopwatch.StartNew();
        var spinner = default(SpinWait);
        while (!condition())
        {
            if (clock.Elapsed > Within.Deadline)
            {
                Assert.Fail($"{what()} was still not so after {Within.Deadline.TotalSeconds} s.");
            }

            spinner.SpinOnce();
        }
    }

    /// <summary>Close then Join within 30 s.</summary>
    /// <summary>
    /// Submits a task that never ends to a process pool, and waits until it runs: returns the task and the pid of the
    /// worker that runs it (for a test to kill).
    /// </summary>
    public static (Task<int> Task, int WorkerPid) SubmitHangingTask(this ProcessPool pool)
    {
        using SharedValue<int> victim = SharedValue.Create(0);
        using var started = SharedEvent.Create();
        Task<int> hanging = pool.Submit(static (SharedValue<int> v, SharedEvent s) =>
        {
            v.Value = Environment.ProcessId;
            s.Set();
            Thread.Sleep(Timeout.Infinite);
            return 0;
        }, victim, started);
        Assert.True(started.TryWait(Within.Deadline), "the hanging task did not start");
        return (hanging, victim.Value);
    }

    /// <summary>
    /// Joins with a deadline; on failure says whether the pool was still working (its counters one second apart) or
    /// stuck, with its workers, so that a slow machine and a hang read differently.
    /// </summary>
    public static void JoinOrFail(this WorkerPool pool, string what, int accepted)
    {
        if (pool.Join(Within.Deadline))
        {
            return;
        }

        PoolCounters before = pool.Counters;
        bool stopped = pool.Join(TimeSpan.FromSeconds(1));
        PoolCounters after = pool.Counters;
        string workers = string.Join("; ", pool.GetWorkers());
        Assert.Fail($"{what}: the pool did not stop within {Within.Deadline.TotalSeconds} s ({accepted} accepted; "
            + $"{before} then, 1 s later, {(stopped ? "stopped" : "still running")} with {after}; workers: {workers})");
    }

    public static void CloseAndJoinOrFail(this WorkerPool pool)
    {
        pool.Close();
        Assert.True(pool.Join(Within.Deadline), $"{pool.Name} did not stop within {Within.Deadline.TotalSeconds} s.");
    }

    /// <summary>A progress sink that records reports synchronously, on the reporting thread.</summary>
    public sealed class RecordingProgress : IProgress<int>
    {
        public ConcurrentQueue<int> Reports { get; } = new();

        public void Report(int value) => Reports.Enqueue(value);
    }

    /// <summary>A source that counts how many items have been read from it.</summary>
    public sealed class CountingSource(int count)
    {
        private int read;

        public int Read => Volatile.Read(ref read);

        public IEnumerable<int> Items()
        {
            for (int i = 0; i < count; i++)
            {
                Interlocked.Increment(ref read);
                yield return i;
            }
        }
    }
}
