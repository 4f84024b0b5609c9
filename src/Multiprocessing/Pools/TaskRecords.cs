using System.Diagnostics;

namespace Multiprocessing.Pools;

/// <summary>
/// The last <see cref="Capacity"/> task records of one pool, in a ring: adding one allocates nothing (the record
/// is a struct, its strings already exist, except a failure's text). The ring (about 64 KB) is made at the first
/// record, so that a pool nobody asks for records (see <see cref="WorkerPool.GetRecentTasks"/>) never has one.
/// </summary>
internal sealed class TaskRecords
{
    /// <summary>How many records a pool keeps: at a thousand tasks a second, the last second; at ten, the last minute and a half.</summary>
    public const int Capacity = 1024;

    private readonly Lock gate = new();
    private PoolTaskRecord[]? ring;
    private long added;

    /// <summary>Records a task that started at <paramref name="startedTimestamp"/> (a <see cref="Stopwatch"/> timestamp) and ends now.</summary>
    public void Add(long taskId, string worker, int? pid, long startedTimestamp, PoolTaskOutcome outcome, string? error)
    {
        TimeSpan duration = startedTimestamp == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(startedTimestamp);
        DateTimeOffset now = DateTimeOffset.UtcNow;
        var record = new PoolTaskRecord(taskId, worker, pid, now - duration, duration, outcome, error);
        lock (gate)
        {
            ring ??= new PoolTaskRecord[Capacity];
            ring[added % Capacity] = record;
            added++;
        }
    }

    /// <summary>The records kept, oldest first.</summary>
    public PoolTaskRecord[] Snapshot()
    {
        lock (gate)
        {
            if (ring is null)
            {
                return [];
            }

            int count = (int)Math.Min(added, Capacity);
            var copy = new PoolTaskRecord[count];
            long first = added - count;
            for (int i = 0; i < count; i++)
            {
                copy[i] = ring[(first + i) % Capacity];
            }

            return copy;
        }
    }
}
