using System.Diagnostics;

namespace Multiprocessing.Bench.Core;

/// <summary>Fixed-count timing (no adaptive iteration counts), on the monotonic clock.</summary>
internal static class Timing
{
    /// <summary>Runs <paramref name="action"/> <paramref name="warmup"/> times untimed, then <paramref name="n"/> times timed.</summary>
    /// <returns>Milliseconds per timed call.</returns>
    public static double MillisecondsPerCall(int warmup, int n, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        for (int i = 0; i < warmup; i++)
        {
            action();
        }

        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < n; i++)
        {
            action();
        }

        return Stopwatch.GetElapsedTime(start).TotalMilliseconds / n;
    }

    /// <summary>
    /// Runs <paramref name="measure"/> <paramref name="rounds"/> times, each after a full garbage collection (outside
    /// the measurement, as BenchmarkDotNet does), and returns the median of what it returned. For measurements of a
    /// few milliseconds, where one collection of earlier rounds' garbage, landing inside a round or not, moves the
    /// result by half.
    /// </summary>
    public static double MedianAfterCollect(int rounds, Func<double> measure)
    {
        ArgumentNullException.ThrowIfNull(measure);
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        var values = new double[rounds];
        for (int i = 0; i < rounds; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            values[i] = measure();
        }

        Array.Sort(values);
        return rounds % 2 == 1 ? values[rounds / 2] : (values[(rounds / 2) - 1] + values[rounds / 2]) / 2;
    }
}
