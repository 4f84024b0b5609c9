using System.Diagnostics;
using Multiprocessing.Diagnostics;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Diagnostics;

/// <summary>
/// The <c>Multiprocessing</c> activity source, seen by an <see cref="ActivityListener"/>: an activity per child start
/// and per pool task (per chunk of a map), and the caller's trace carried into the child and the worker, where an
/// activity the user's code starts joins it. Real children and worker processes throughout.
/// </summary>
public sealed class TracingTests
{
    /// <summary>
    /// What a child or a task reports about the activities where it runs: its pid; the current activity's span and
    /// parent span (the library's run activity); and the trace and parent span of an activity the user's code starts.
    /// </summary>
    private static string ReportActivities()
    {
        Activity? current = Activity.Current;
        using Activity user = new Activity("user work").Start();
        return string.Join(
            '|',
            Environment.ProcessId,
            current?.SpanId.ToHexString() ?? "none",
            current?.ParentSpanId.ToHexString() ?? "none",
            user.TraceId.ToHexString(),
            user.ParentSpanId.ToHexString());
    }

    [Fact]
    public void ChildStart_IsAnActivityOfTheCallersTrace_AndTheChildsOwnActivityJoinsIt()
    {
        using var recorder = new ActivityRecorder();
        using Activity root = ActivityRecorder.StartRoot();

        using ChildProcess<string> child = ChildProcess.Start(ReportActivities, new ChildProcessOptions { Name = "traced-child" });
        string[] report = child.ResultOrFail().Split('|');

        Activity start = Assert.Single(recorder.WaitFor(root, Tracing.ProcessStartActivity));
        Assert.Equal(root.SpanId, start.ParentSpanId);
        Assert.Equal("traced-child", start.GetTagItem(TelemetryAttributes.ProcessName));
        Assert.Equal(child.Pid, start.GetTagItem(TelemetryAttributes.ProcessPid));
        Assert.Same(root, Activity.Current); // The start's activity ended with the call.

        Assert.Equal(child.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), report[0]);
        Assert.Equal(start.SpanId.ToHexString(), report[2]); // The child's run activity is a child of the start...
        Assert.Equal(root.TraceId.ToHexString(), report[3]); // ...and the user's activity is in the caller's trace,
        Assert.Equal(report[1], report[4]);                  // a child of the run activity.
    }

    [Fact]
    public async Task ProcessPoolTask_IsAnActivityWithPoolNameWorkerPidAndOutcome_AndTheTasksOwnActivityJoinsIt()
    {
        using var recorder = new ActivityRecorder();
        await using var pool = new ProcessPool(new PoolOptions { WorkerCount = 1, Name = "traced-pool" });
        using Activity root = ActivityRecorder.StartRoot();

        string[] report = (await pool.Submit(ReportActivities)).Split('|');

        Activity task = Assert.Single(recorder.WaitFor(root, Tracing.TaskActivity));
        Assert.Equal(root.SpanId, task.ParentSpanId);
        Assert.Equal(ActivityKind.Client, task.Kind);
        Assert.Equal("traced-pool", task.GetTagItem(TelemetryAttributes.PoolName));
        Assert.Equal(int.Parse(report[0], System.Globalization.CultureInfo.InvariantCulture), task.GetTagItem(TelemetryAttributes.WorkerPid));
        Assert.Equal("completed", task.GetTagItem(TelemetryAttributes.TaskOutcome));
        Assert.Equal(ActivityStatusCode.Unset, task.Status);
        Assert.Null(task.GetTagItem(TelemetryAttributes.TaskItems)); // A single call, not a chunk.
        Assert.Same(root, Activity.Current); // The task's activity is not the submitter's current one.

        Assert.Equal(task.SpanId.ToHexString(), report[2]); // The worker's run activity is a child of the task...
        Assert.Equal(root.TraceId.ToHexString(), report[3]);
        Assert.Equal(report[1], report[4]);                 // ...and the user's activity a child of that.
    }

    [Fact]
    public void ProcessPoolMap_WithChunks_GivesOneActivityPerChunk_WithItsItemCount()
    {
        using var recorder = new ActivityRecorder();
        using var pool = new ProcessPool(new PoolOptions { WorkerCount = 2 });
        using Activity root = ActivityRecorder.StartRoot();

        // Scalars (the codec-free chunk frame) and strings (the general one).
        int[] doubled = pool.Map(static x => x * 2, Enumerable.Range(0, 10), chunkSize: 3);
        string[] parents = pool.Map(static (string s) => Activity.Current?.ParentSpanId.ToHexString() ?? "none", ["a", "b", "c", "d", "e"], chunkSize: 2);

        Assert.Equal(Enumerable.Range(0, 10).Select(x => x * 2), doubled);
        List<Activity> chunks = recorder.WaitFor(root, Tracing.TaskActivity, count: 7);
        Assert.Equal(7, chunks.Count);
        Assert.All(chunks, c => Assert.Equal(root.SpanId, c.ParentSpanId));
        List<int> sizes = [.. chunks.Select(c => (int)c.GetTagItem(TelemetryAttributes.TaskItems)!).Order()];
        Assert.Equal([1, 1, 2, 2, 3, 3, 3], sizes);

        // Each string item ran under its own chunk's activity: 3 chunks, each the parent of its items' run.
        string[] chunkSpans = [.. chunks.Where(c => (int)c.GetTagItem(TelemetryAttributes.TaskItems)! is 2 or 1).Select(c => c.SpanId.ToHexString())];
        Assert.Equal(3, parents.Distinct().Count());
        Assert.All(parents, p => Assert.Contains(p, chunkSpans));
    }

    [Fact]
    public async Task FailingTask_HasErrorStatus_WithTheExceptionsType()
    {
        using var recorder = new ActivityRecorder();
        await using var pool = new ProcessPool(new PoolOptions { WorkerCount = 1 });
        using Activity root = ActivityRecorder.StartRoot();

        await Assert.ThrowsAsync<RemoteException>(() => pool.Submit(static int () => throw new InvalidOperationException("boom")));

        Activity task = Assert.Single(recorder.WaitFor(root, Tracing.TaskActivity));
        Assert.Equal(ActivityStatusCode.Error, task.Status);
        Assert.Equal("boom", task.StatusDescription);
        Assert.Equal("System.InvalidOperationException", task.GetTagItem(TelemetryAttributes.ErrorType));
        Assert.Equal("failed", task.GetTagItem(TelemetryAttributes.TaskOutcome));
    }

    [Fact]
    public async Task ThreadWorkerPoolTask_RunsWithItsActivityCurrent_SoTheTasksOwnActivityIsItsChild()
    {
        using var recorder = new ActivityRecorder();
        await using var pool = new ThreadWorkerPool(new PoolOptions { WorkerCount = 1, Name = "traced-threads" });
        using Activity root = ActivityRecorder.StartRoot();

        string[] report = (await pool.Submit(ReportActivities)).Split('|');
        await Assert.ThrowsAsync<InvalidOperationException>(() => pool.Submit(static int () => throw new InvalidOperationException("boom")));

        List<Activity> tasks = recorder.WaitFor(root, Tracing.TaskActivity, count: 2);
        Activity task = Assert.Single(tasks, t => t.Status == ActivityStatusCode.Unset);
        Assert.Equal(root.SpanId, task.ParentSpanId);
        Assert.Equal("traced-threads", task.GetTagItem(TelemetryAttributes.PoolName));
        Assert.Equal(task.SpanId.ToHexString(), report[1]); // The task's activity is current where it runs...
        Assert.Equal(root.TraceId.ToHexString(), report[3]);
        Assert.Equal(task.SpanId.ToHexString(), report[4]); // ...so the user's activity is its child.

        Activity failed = Assert.Single(tasks, t => t.Status == ActivityStatusCode.Error);
        Assert.Equal("System.InvalidOperationException", failed.GetTagItem(TelemetryAttributes.ErrorType));
    }

    [Fact]
    public void TraceContext_RoundTripsThroughItsBytes_WithTraceState()
    {
        using var activity = new Activity("x");
        activity.SetIdFormat(ActivityIdFormat.W3C);
        activity.TraceStateString = "vendor=value,other=1";
        activity.ActivityTraceFlags = ActivityTraceFlags.Recorded;
        activity.Start();

        ActivityContext decoded = TraceContextWire.Decode(TraceContextWire.Encode(activity));

        Assert.Equal(activity.TraceId, decoded.TraceId);
        Assert.Equal(activity.SpanId, decoded.SpanId);
        Assert.Equal(ActivityTraceFlags.Recorded, decoded.TraceFlags);
        Assert.Equal("vendor=value,other=1", decoded.TraceState);
        Assert.True(decoded.IsRemote);
        Assert.Throws<InvalidDataException>(() => TraceContextWire.Decode(new byte[10]));
    }
}
