namespace Tour;

/// <summary>
/// A console progress bar driven by an <see cref="IProgress{T}"/> of items done (what <c>pool.Map(..., progress:)</c>
/// reports): redrawn in place on a terminal; when the output is redirected (a file, a pipe, the tests), a plain
/// line at each quarter instead, so that what is read back stays line by line.
/// </summary>
internal sealed class ProgressBar(string label, int total) : IProgress<int>
{
    private const int Width = 40;
    private readonly Lock gate = new();
    private readonly bool redrawn = !Console.IsOutputRedirected;
    private int shown = -1;

    /// <summary>Draws the bar for <paramref name="value"/> items done (counts only go up; a late smaller one is ignored).</summary>
    public void Report(int value)
    {
        lock (gate)
        {
            if (value <= shown)
            {
                return;
            }

            if (redrawn)
            {
                int filled = total == 0 ? Width : (int)((long)value * Width / total);
                Console.Write($"\r{label} [{new string('#', filled)}{new string('.', Width - filled)}] {value}/{total}");
                if (value >= total)
                {
                    Console.WriteLine();
                }
            }
            else if (Quarter(value) > Quarter(shown))
            {
                Console.WriteLine($"{label}: {value}/{total}");
            }

            shown = value;
        }
    }

    private int Quarter(int value) => value < 0 || total == 0 ? -1 : (int)((long)value * 4 / total);
}
