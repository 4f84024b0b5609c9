using Multiprocessing.Bench.Core;

namespace Multiprocessing.Bench.Sweeps;

/// <summary>
/// One series of measurements of a workload's operation at several sizes (<c>--sweep</c>, and <c>--chart</c>):
/// how its cost grows with the size. No CPython counterpart.
/// </summary>
internal interface ISizeSweep
{
    /// <summary>The records' workload name, e.g. <c>w4_w5_queue_by_message_size</c>.</summary>
    string Name { get; }

    /// <summary>The panel's title.</summary>
    string Title { get; }

    /// <summary>The x parameter's name: <c>bytes</c>, <c>workers</c>, <c>tasks</c>.</summary>
    string XName { get; }

    /// <summary>The workload ids whose selection (<c>--only</c>) runs this sweep.</summary>
    IReadOnlyList<string> WorkloadIds { get; }

    /// <summary>Measures every size; <paramref name="point"/> receives each point as it is measured.</summary>
    /// <exception cref="BenchException">A check failed.</exception>
    void Run(Sizes sizes, SweepPoint point);
}

/// <summary>Receives one sweep point: the series (a metric name), the x value, the cost and its unit, and extra params.</summary>
internal delegate void SweepPoint(string series, int x, double value, string unit, int n);
