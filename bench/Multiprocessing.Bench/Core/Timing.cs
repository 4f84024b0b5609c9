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

    /// <summary>
    /// Measures several ways of doing the same work <paramref name="rounds"/> times, interleaved (each round runs every
    /// way once, in order, each after a full garbage collection), and returns each way's median. Ratios of the
    /// medians then compare ways measured under the same conditions, on a machine whose speed drifts.
    /// </summary>
    public static double[] InterleavedMedians(int rounds, params Func<double>[] ways)
    {
        ArgumentNullException.ThrowIfNull(ways);
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        var values = new double[ways.Length][];
        for (int w = 0; w < ways.Length; w++)
        {
            values[w] = new double[rounds];
        }

        for (int r = 0; r < rounds; r++)
        {
            for (int w = 0; w < ways.Length; w++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                values[w][r] = ways[w]();
            }
        }

        return [.. values.Select(v => Median(v))];
    }

    /// <summary>The median of <paramref name="values"/> (the mean of the middle two for an even count).</summary>
    public static double Median(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        int n = sorted.Length;
        if (n == 0)
        {
            throw new ArgumentException("There is no value.", nameof(values));
        }

        return n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
    }
}
