namespace HostedPool;

/// <summary>What the workers run: static methods, so that a worker process needs nothing but this assembly.</summary>
internal static class Frames
{
    /// <summary>"Renders" frame <paramref name="frame"/>: a sum that takes a moment.</summary>
    /// <param name="frame">The frame's number.</param>
    /// <returns>Its checksum.</returns>
    public static int Render(int frame)
    {
        int sum = 0;
        for (int i = 0; i <= frame * 1000; i++)
        {
            sum = unchecked(sum + (i % 7));
        }

        return sum;
    }

    /// <summary>A task that keeps its worker busy for <paramref name="seconds"/>.</summary>
    /// <param name="seconds">How long.</param>
    public static void Busy(int seconds) => Thread.Sleep(TimeSpan.FromSeconds(seconds));
}
