namespace Multiprocessing.Synchronization;

/// <summary>A timeout turned into a point in time, validated once (<see cref="Timeout.InfiniteTimeSpan"/> = never).</summary>
internal readonly struct Deadline
{
    private readonly long end;

    private Deadline(long end) => this.end = end;

    /// <summary>No deadline.</summary>
    public static Deadline Never => new(-1);

    /// <summary>True for <see cref="Never"/>.</summary>
    public bool IsInfinite => end < 0;

    /// <summary>Milliseconds left: -1 for no deadline, 0 once passed.</summary>
    public long RemainingMs => end < 0 ? -1 : Math.Max(0, end - Environment.TickCount64);

    /// <summary>True once the deadline has passed.</summary>
    public bool Expired => end >= 0 && Environment.TickCount64 >= end;

    /// <summary>The earlier of this deadline and <paramref name="other"/>.</summary>
    public Deadline Earlier(Deadline other) => IsInfinite ? other : other.IsInfinite || end <= other.end ? this : other;

    /// <summary>The deadline <paramref name="timeout"/> from now.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite.</exception>
    public static Deadline After(TimeSpan timeout, string paramName = "timeout")
    {
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            return Never;
        }

        if (timeout < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(paramName, timeout, "The timeout must be zero or more, or Timeout.InfiniteTimeSpan.");
        }

        return new Deadline(Environment.TickCount64 + (long)Math.Ceiling(timeout.TotalMilliseconds));
    }

    /// <summary>The deadline for an optional timeout: null means for ever.</summary>
    public static Deadline After(TimeSpan? timeout, string paramName = "timeout") =>
        timeout is { } t ? After(t, paramName) : Never;
}
