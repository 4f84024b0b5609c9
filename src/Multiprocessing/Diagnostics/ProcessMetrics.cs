using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace Multiprocessing.Diagnostics;

/// <summary>The child-process instruments of one meter (<see cref="Meters"/>): <c>multiprocessing.process.start.duration</c>.</summary>
internal sealed class ProcessMetrics
{
    private static readonly ConditionalWeakTable<Meter, ProcessMetrics> ByMeter = [];

    private readonly Histogram<double> startDuration;

    private ProcessMetrics(Meter meter) =>
        startDuration = meter.CreateHistogram<double>(
            "multiprocessing.process.start.duration",
            unit: "s",
            description: "How long ChildProcess.Start took until the child process had its call (the start frame was written to it).",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

    /// <summary>The instruments of the meter <paramref name="factory"/> makes, or of the shared meter.</summary>
    public static ProcessMetrics For(IMeterFactory? factory) => ByMeter.GetValue(Meters.For(factory), static m => new ProcessMetrics(m));

    /// <summary>A <see cref="Stopwatch"/> timestamp for a start that begins now, if starts are measured; else 0.</summary>
    public long Starting() => startDuration.Enabled ? Stopwatch.GetTimestamp() : 0;

    /// <summary>Records the start that began at <paramref name="startingAt"/> (0: not measured, nothing recorded).</summary>
    public void Started(long startingAt)
    {
        if (startingAt != 0 && startDuration.Enabled)
        {
            startDuration.Record(Stopwatch.GetElapsedTime(startingAt).TotalSeconds);
        }
    }
}
