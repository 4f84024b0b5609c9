using System.Diagnostics;
using Multiprocessing.Diagnostics;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Diagnostics;

/// <summary>
/// Listens to the <c>Multiprocessing</c> activity source (and the tests' own source, for the root activity each test
/// starts) and keeps the activities that stop. Other tests run in parallel and their pools emit activities too: a
/// test looks only at the activities of its own root's trace.
/// </summary>
internal sealed class ActivityRecorder : IDisposable
{
    private const string TestSourceName = "Multiprocessing.Tests.Tracing";

    private static readonly ActivitySource TestSource = new(TestSourceName);

    private readonly ActivityListener listener;
    private readonly List<Activity> stopped = [];

    public ActivityRecorder()
    {
        listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == Tracing.SourceName || s.Name == TestSourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                lock (stopped)
                {
                    stopped.Add(a);
                    Monitor.PulseAll(stopped);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
    }

    /// <summary>Starts the test's root activity (current on this thread until disposed).</summary>
    public static Activity StartRoot() => TestSource.StartActivity("test root") ?? throw new InvalidOperationException("The recorder does not listen.");

    /// <summary>
    /// Waits (up to <see cref="Within.Deadline"/>) until <paramref name="count"/> stopped activities named
    /// <paramref name="name"/> belong to <paramref name="trace"/>'s trace, and returns them in the order they stopped.
    /// </summary>
    public List<Activity> WaitFor(Activity trace, string name, int count = 1)
    {
        var clock = Stopwatch.StartNew();
        lock (stopped)
        {
            while (true)
            {
                List<Activity> found = [.. stopped.Where(a => a.TraceId == trace.TraceId && a.OperationName == name)];
                if (found.Count >= count)
                {
                    return found;
                }

                TimeSpan left = Within.Deadline - clock.Elapsed;
                Assert.True(left > TimeSpan.Zero, $"{found.Count} of {count} '{name}' activities stopped within {Within.Deadline.TotalSeconds} s.");
                Monitor.Wait(stopped, left);
            }
        }
    }

    /// <summary>The stopped activities named <paramref name="name"/> of <paramref name="trace"/>'s trace, now.</summary>
    public List<Activity> Stopped(Activity trace, string name)
    {
        lock (stopped)
        {
            return [.. stopped.Where(a => a.TraceId == trace.TraceId && a.OperationName == name)];
        }
    }

    public void Dispose() => listener.Dispose();
}
