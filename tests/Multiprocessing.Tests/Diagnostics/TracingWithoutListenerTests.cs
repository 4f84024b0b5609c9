using System.Diagnostics;
using Multiprocessing.Diagnostics;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Diagnostics;

/// <summary>
/// Tracing when nobody listens to the <c>Multiprocessing</c> source. Serial: a listener of a test running at the
/// same time would be one.
/// </summary>
[Collection(SerialTests.Name)]
public sealed class TracingWithoutListenerTests
{
    private static string CurrentTraceHere() => Activity.Current is { } a ? $"{a.TraceId.ToHexString()}|{a.ParentSpanId.ToHexString()}" : "none";

    [Fact]
    public void WithNoListenerAndNoCurrentActivity_NoActivityIsMade_AndNothingIsCarried()
    {
        Assert.False(Tracing.Source.HasListeners());
        Assert.Null(Activity.Current);

        Assert.Null(Tracing.StartTask("pool", 3, ActivityKind.Client));
        Assert.Null(Tracing.StartProcessStart("child"));
        Assert.Null(TraceContextWire.ToCarry(null));

        // The frames are what they were: no trace header in front of a task, no flag or context in a start payload.
        using var pool = new ProcessPool(new PoolOptions { WorkerCount = 1 });
        Assert.Equal("none", pool.Apply(CurrentTraceHere));
        Assert.Equal(["none", "none"], pool.Map(static (int _) => CurrentTraceHere(), [1, 2], chunkSize: 1));
        using ChildProcess<string> child = ChildProcess.Start(CurrentTraceHere);
        Assert.Equal("none", child.ResultOrFail());
    }

    [Fact]
    public void WithNoListener_TheCallersOwnActivity_IsStillCarriedIntoTheChildAndTheWorker()
    {
        Assert.False(Tracing.Source.HasListeners());
        using Activity caller = new Activity("caller").SetIdFormat(ActivityIdFormat.W3C).Start();
        string expected = $"{caller.TraceId.ToHexString()}|{caller.SpanId.ToHexString()}";

        using var pool = new ProcessPool(new PoolOptions { WorkerCount = 1 });
        Assert.Equal(expected, pool.Apply(CurrentTraceHere));
        using ChildProcess<string> child = ChildProcess.Start(CurrentTraceHere);
        Assert.Equal(expected, child.ResultOrFail());
        using var threads = new ThreadWorkerPool(1);
        Assert.Equal(caller, threads.Apply(static () => Activity.Current));
    }
}
