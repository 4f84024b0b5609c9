using System.Globalization;

namespace Tour;

/// <summary>What every chapter prints besides the seed's own lines: headers, notes, and the time scale.</summary>
internal static class Say
{
    /// <summary>The seed sleeps for seconds; the tour sleeps this many times less, so that it runs in seconds.</summary>
    public const int TimeScale = 10;

    /// <summary>The header line the runner prints before a chapter.</summary>
    public static void Header(IChapter chapter) => Console.WriteLine($"== {chapter.Name} — ports {chapter.Title} ==");

    /// <summary>A line on where the .NET port differs from the seed.</summary>
    public static void Note(string text) => Console.WriteLine($"note: {text}");

    /// <summary>A sub-heading inside a chapter whose seed section has several scripts.</summary>
    public static void Part(string text) => Console.WriteLine($"-- {text}");

    /// <summary>A number of (tour) seconds as the seed would print it, with one decimal: <c>0.6</c>.</summary>
    public static string Seconds(double seconds) => seconds.ToString("0.0", CultureInfo.InvariantCulture);

    /// <summary>Formats with the invariant culture, for the seed's <c>%.2f</c> and the like.</summary>
    public static string Invariant(FormattableString text) => FormattableString.Invariant(text);
}
