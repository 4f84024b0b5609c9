using System.Globalization;

namespace Multiprocessing.Bench.Core;

/// <summary>Number formatting for the stderr tables, as the Python script's table: thousands separators from 1000, else 4 significant digits.</summary>
internal static class Format
{
    public static string Value(double value) =>
        Math.Abs(value) >= 1000
            ? value.ToString("N0", CultureInfo.InvariantCulture)
            : value.ToString("G4", CultureInfo.InvariantCulture);
}
