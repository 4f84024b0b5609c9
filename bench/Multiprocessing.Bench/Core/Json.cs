using System.Globalization;
using System.Text.Json;

namespace Multiprocessing.Bench.Core;

/// <summary>JSON settings shared by the records we write and the CPython records we read.</summary>
internal static class Json
{
    /// <summary>snake_case names (<c>dotnet_median</c>), compact, one record per line.</summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    /// <summary><paramref name="value"/> rounded to 6 significant digits, as Python's <c>float(f"{value:.6g}")</c>.</summary>
    /// <exception cref="BenchException">The value is NaN or infinite (a workload measured nothing).</exception>
    public static double Round6(double value) =>
        double.IsFinite(value)
            ? double.Parse(value.ToString("G6", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)
            : throw new BenchException($"a metric is {value}; JSON has no such number");
}
