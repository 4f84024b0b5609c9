using System.Text.Json;

namespace Multiprocessing.Bench.Core;

/// <summary>Writes records as JSON lines on stdout (and nothing else goes there).</summary>
internal static class RecordWriter
{
    public static void Write(BenchRecord record) => WriteLine(record);

    public static void Write(ComparisonRecord record) => WriteLine(record);

    private static void WriteLine<T>(T record)
    {
        Console.Out.WriteLine(JsonSerializer.Serialize(record, Json.Options));
        Console.Out.Flush();
    }
}
