namespace Multiprocessing.Bench.Chart;

/// <summary>
/// A logarithmic axis: whole decades from the one at or below the smallest value to the one at or above the
/// largest, mapped linearly in log10 onto [<see cref="From"/>, <see cref="To"/>] pixels.
/// </summary>
internal sealed class LogScale
{
    public LogScale(IEnumerable<double> values, double from, double to)
    {
        double[] positive = [.. values.Where(v => v > 0 && double.IsFinite(v))];
        if (positive.Length == 0)
        {
            throw new ArgumentException("a log scale needs at least one positive value", nameof(values));
        }

        MinDecade = (int)Math.Floor(Math.Log10(positive.Min()));
        MaxDecade = (int)Math.Ceiling(Math.Log10(positive.Max()));
        if (MaxDecade == MinDecade)
        {
            MaxDecade++;
        }

        From = from;
        To = to;
    }

    public int MinDecade { get; }

    public int MaxDecade { get; }

    public double From { get; }

    public double To { get; }

    /// <summary>Pixels per factor of ten (negative when the axis runs upwards, as a y axis does).</summary>
    public double PixelsPerDecade => (To - From) / (MaxDecade - MinDecade);

    /// <summary>The pixel of <paramref name="value"/> (positive).</summary>
    public double Map(double value) => From + ((Math.Log10(value) - MinDecade) * PixelsPerDecade);

    /// <summary>The decades 10^<see cref="MinDecade"/> .. 10^<see cref="MaxDecade"/>, and 2 and 5 times each when the axis spans two decades or less.</summary>
    public IEnumerable<(double Value, bool Major)> Ticks()
    {
        bool minor = MaxDecade - MinDecade <= 2;
        for (int d = MinDecade; d <= MaxDecade; d++)
        {
            double decade = Math.Pow(10, d);
            yield return (decade, true);
            if (minor && d < MaxDecade)
            {
                yield return (2 * decade, false);
                yield return (5 * decade, false);
            }
        }
    }
}
