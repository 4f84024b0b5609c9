namespace Multiprocessing.Managers;

/// <summary>A wait's timeout as the manager's requests carry it: milliseconds, -1 for ever.</summary>
internal static class WaitTimeout
{
    /// <exception cref="ArgumentOutOfRangeException">Negative and not <see cref="Timeout.InfiniteTimeSpan"/>.</exception>
    public static long Milliseconds(TimeSpan timeout, string paramName)
    {
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            return -1;
        }

        if (timeout < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(paramName, timeout, "A timeout must not be negative, or it must be Timeout.InfiniteTimeSpan.");
        }

        return (long)Math.Ceiling(timeout.TotalMilliseconds);
    }
}
