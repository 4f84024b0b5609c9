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
}
