using System.Text.Json;

namespace Multiprocessing.DashboardServer;

/// <summary>Writes the state the page shows, as JSON (<c>GET /api/state</c>): pools with their workers, recent tasks and failures; queues; shared objects.</summary>
internal sealed class StateWriter(Func<IReadOnlyList<WorkerPool>> pools)
{
    /// <summary>The task stream's span: tasks that ended longer ago are not sent.</summary>
    private static readonly TimeSpan StreamWindow = TimeSpan.FromMinutes(1);

    /// <summary>The window of tasks a second (or less, while the pool is younger, or keeps fewer records).</summary>
    private static readonly TimeSpan RateWindow = TimeSpan.FromSeconds(10);

    private const int MaxFailures = 20;
    private const int MaxQueuedIds = 50;

    private readonly ProcStats proc = new();

    public IReadOnlyList<WorkerPool> Pools => pools();

    public byte[] Write()
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        var live = new HashSet<int>();
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("time", now.ToUnixTimeMilliseconds());
            json.WriteNumber("pid", Environment.ProcessId);
            json.WriteStartArray("pools");
            foreach (WorkerPool pool in pools())
            {
                WritePool(json, pool, now, live);
            }

            json.WriteEndArray();
            json.WriteStartArray("queues");
            foreach (SharedQueueInfo q in LiveObjects.Queues())
            {
                JsonSerializer.Serialize(json, q, StateJson.Default.SharedQueueInfo); // The record as it is: name, itemType, count, ...
            }

            json.WriteEndArray();
            json.WriteNumber("segmentsOpen", LiveObjects.SegmentsOpen);
            json.WriteNumber("locksTakenOver", LiveObjects.LocksTakenOver);
            json.WriteEndObject();
        }

        proc.Retain(live);
        return buffer.ToArray();
    }

    private void WritePool(Utf8JsonWriter json, WorkerPool pool, DateTimeOffset now, HashSet<int> live)
    {
        PoolCounters c = pool.Counters;
        IReadOnlyList<PoolWorkerInfo> workers = pool.GetWorkers();
        IReadOnlyList<PoolTaskRecord> records = pool.GetRecentTasks();
        json.WriteStartObject();
        json.WriteString("name", pool.Name);
        json.WriteString("kind", pool is ProcessPool ? "process" : "thread");
        json.WriteNumber("workerCount", pool.WorkerCount);
        json.WriteString("status", pool.IsBroken ? "broken" : pool.IsOpen ? "open" : "closed");
        json.WriteNumber("workersAlive", c.WorkersAlive);
        json.WriteNumber("workersIdle", c.WorkersIdle);
        json.WriteNumber("workersStarted", c.WorkersStarted);
        json.WriteNumber("queued", c.Queued);
        json.WriteNumber("running", c.Running);
        json.WriteNumber("completed", c.Completed);
        json.WriteNumber("failed", c.Failed);
        json.WriteStartObject("workersByState");
        foreach (PoolWorkerState s in Enum.GetValues<PoolWorkerState>())
        {
            json.WriteNumber(StateName(s), workers.Count(w => w.State == s));
        }

        json.WriteEndObject();
        WriteRates(json, records, now);

        json.WriteStartArray("workers");
        foreach (PoolWorkerInfo w in workers)
        {
            json.WriteStartObject();
            json.WriteNumber("slot", w.Slot);
            json.WriteString("name", w.Name);
            if (w.Pid is int pid)
            {
                live.Add(pid);
                json.WriteNumber("pid", pid);
                (long? rss, double? cpu) = proc.Read(pid);
                WriteNumberOrNull(json, "rssBytes", rss);
                WriteNumberOrNull(json, "cpuPercent", cpu is double p ? Math.Round(p, 1) : null);
            }
            else
            {
                json.WriteNull("pid");
                json.WriteNull("rssBytes");
                json.WriteNull("cpuPercent");
            }

            json.WriteString("state", StateName(w.State));
            WriteNumberOrNull(json, "taskId", w.CurrentTaskId);
            WriteNumberOrNull(json, "taskMs", w.CurrentTaskElapsed is TimeSpan e ? Math.Round(e.TotalMilliseconds) : null);
            json.WriteNumber("tasksDone", w.TasksDone);
            json.WriteNumber("restarts", w.Restarts);
            if (w.LastExitCode is int code)
            {
                json.WriteString("lastExit", code < 0 ? $"signal {-code}" : $"exit {code}");
            }
            else
            {
                json.WriteNull("lastExit");
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();

        json.WriteStartArray("queuedTasks");
        if (pool is ProcessPool processPool)
        {
            foreach (long id in processPool.GetQueuedTaskIds(MaxQueuedIds))
            {
                json.WriteNumberValue(id);
            }
        }

        json.WriteEndArray();

        json.WriteStartArray("tasks");
        foreach (PoolTaskRecord r in records)
        {
            if (now - (r.StartedAt + r.Duration) > StreamWindow)
            {
                continue;
            }

            json.WriteStartObject();
            json.WriteNumber("id", r.TaskId);
            json.WriteString("worker", r.Worker);
            json.WriteNumber("start", r.StartedAt.ToUnixTimeMilliseconds());
            json.WriteNumber("ms", Math.Round(r.Duration.TotalMilliseconds, 1));
            json.WriteString("outcome", OutcomeName(r.Outcome));
            json.WriteEndObject();
        }

        json.WriteEndArray();

        json.WriteStartArray("failures");
        int shown = 0;
        for (int i = records.Count - 1; i >= 0 && shown < MaxFailures; i--)
        {
            PoolTaskRecord r = records[i];
            if (r.Outcome == PoolTaskOutcome.Succeeded)
            {
                continue;
            }

            shown++;
            json.WriteStartObject();
            json.WriteNumber("id", r.TaskId);
            json.WriteString("worker", r.Worker);
            WriteNumberOrNull(json, "pid", r.Pid);
            json.WriteNumber("at", (r.StartedAt + r.Duration).ToUnixTimeMilliseconds());
            json.WriteString("outcome", OutcomeName(r.Outcome));
            json.WriteString("error", r.Error);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>Tasks a second (over the last 10 s, or the span of the records kept) and the p50 and p95 durations of the last minute's tasks.</summary>
    private static void WriteRates(Utf8JsonWriter json, IReadOnlyList<PoolTaskRecord> records, DateTimeOffset now)
    {
        int recent = 0;
        DateTimeOffset oldestRecent = now;
        var durations = new List<double>();
        foreach (PoolTaskRecord r in records)
        {
            DateTimeOffset ended = r.StartedAt + r.Duration;
            if (now - ended <= RateWindow)
            {
                recent++;
                oldestRecent = ended < oldestRecent ? ended : oldestRecent;
            }

            if (now - ended <= StreamWindow)
            {
                durations.Add(r.Duration.TotalMilliseconds);
            }
        }

        // If the ring holds fewer seconds than the window (it is full of newer tasks), the rate is over what it holds.
        TimeSpan span = records.Count > 0 && recent == records.Count && recent >= 1024 ? now - oldestRecent : RateWindow;
        json.WriteNumber("tasksPerSecond", Math.Round(recent / Math.Max(span.TotalSeconds, 0.001), 2));
        durations.Sort();
        WriteNumberOrNull(json, "p50Ms", Percentile(durations, 0.50));
        WriteNumberOrNull(json, "p95Ms", Percentile(durations, 0.95));
    }

    private static double? Percentile(List<double> sorted, double q) =>
        sorted.Count == 0 ? null : Math.Round(sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)], 1);

    /// <summary>Writes <paramref name="value"/>, or null. Whole numbers (pids, task ids, byte counts) pass as doubles: exact below 2^53, and written without a fraction.</summary>
    private static void WriteNumberOrNull(Utf8JsonWriter json, string name, double? value)
    {
        if (value is double v)
        {
            json.WriteNumber(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static string StateName(PoolWorkerState state) => state switch
    {
        PoolWorkerState.Starting => "starting",
        PoolWorkerState.Idle => "idle",
        PoolWorkerState.Busy => "busy",
        _ => "retiring",
    };

    private static string OutcomeName(PoolTaskOutcome outcome) => outcome switch
    {
        PoolTaskOutcome.Succeeded => "succeeded",
        PoolTaskOutcome.Failed => "failed",
        PoolTaskOutcome.TimedOut => "timedOut",
        PoolTaskOutcome.Cancelled => "cancelled",
        PoolTaskOutcome.WorkerDied => "workerDied",
        _ => "stopped",
    };
}
