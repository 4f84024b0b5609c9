using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using Multiprocessing.Pools;

namespace Multiprocessing.Clustering;

/// <summary>
/// Where a silo runs the tasks of <see cref="ClusterPool"/>s: one dedicated thread per core taking calls from one
/// queue (a task never blocks Orleans' own threads, so the silo keeps answering while its cores are busy), and a
/// timer that tells each pool, about every third of its response timeout, which of its calls this silo still holds,
/// queued or running, and stops those the pool no longer waits for. A call to a live silo so never looks lost however long its task runs; a call to a dead
/// silo goes quiet, and the pool sends it again.
/// </summary>
internal static class SiloWorkers
{
    private const int MaxKnownFunctions = 1024;

    /// <summary>How often the keep-alive timer looks at the calls held.</summary>
    private static readonly TimeSpan KeepAliveTick = TimeSpan.FromMilliseconds(100);

    private static readonly BlockingCollection<SiloCall> Queue = [];
    private static readonly ConcurrentDictionary<SiloCall, byte> Held = new();
    private static readonly ConcurrentDictionary<string, ProcessPoolWorker.Function> Functions = new();
    private static readonly Lazy<Timer> KeepAliveTimer = new(StartThreads);

    /// <summary>Queues a call; its task completes with the result frame once a worker thread has run it.</summary>
    public static Task<PoolReply> Run(SiloCall call)
    {
        _ = KeepAliveTimer.Value;
        Held[call] = 0;
        Queue.Add(call);
        return call.Task;
    }

    private static Timer StartThreads()
    {
        for (int i = 0; i < Environment.ProcessorCount; i++)
        {
            new Thread(Work) { IsBackground = true, Name = $"ClusterPool worker {i}" }.Start();
        }

        return new Timer(static _ => SendKeepAlives(), null, KeepAliveTick, KeepAliveTick);
    }

    private static void Work()
    {
        var output = new ArrayBufferWriter<byte>(256);
        foreach (SiloCall call in Queue.GetConsumingEnumerable())
        {
            if (call.Token.IsCancellationRequested)
            {
                Held.TryRemove(call, out _);
                call.SetCanceled(call.Token); // The pool no longer waits for it.
                call.Dispose();
                continue;
            }

            output.ResetWrittenCount();
            try
            {
                ProcessPoolWorker.Execute(call.Frame, FunctionOf(call.Function), output, retire: false, call.Token);
            }
            catch (Exception e)
            {
                // The function could not be decoded here: another build (VersionMismatchException) or bad bytes.
                output.ResetWrittenCount();
                long taskId = call.Frame.Length >= 9 ? BinaryPrimitives.ReadInt64LittleEndian(call.Frame.AsSpan(1)) : 0;
                ProcessPoolWorker.WriteError(output, ProcessWire.Error, taskId, e);
            }

            Held.TryRemove(call, out _);
            call.Dispose();
            call.SetResult(new PoolReply { Frame = output.WrittenSpan.ToArray(), ProcessId = Environment.ProcessId, Silo = SiloName });
        }
    }

    /// <summary>The silo's name in error messages (set by the grain from its runtime identity).</summary>
    public static string SiloName { get; set; } = $"pid {Environment.ProcessId}";

    private static void SendKeepAlives()
    {
        long now = Stopwatch.GetTimestamp();
        Dictionary<IPoolLaneObserver, List<SiloCall>>? due = null;
        foreach (SiloCall call in Held.Keys)
        {
            if (now - call.LastSent >= call.KeepAliveTicks)
            {
                call.LastSent = now;
                due ??= [];
                if (!due.TryGetValue(call.Pool, out List<SiloCall>? calls))
                {
                    due[call.Pool] = calls = [];
                }

                calls.Add(call);
            }
        }

        foreach ((IPoolLaneObserver pool, List<SiloCall> calls) in due ?? [])
        {
            _ = KeepAlive(pool, calls);
        }
    }

    /// <summary>Tells a pool which of its calls this silo holds, and stops those it no longer waits for.</summary>
    private static async Task KeepAlive(IPoolLaneObserver pool, List<SiloCall> calls)
    {
        try
        {
            long[] abandoned = await pool.Alive([.. calls.Select(c => c.CallId)]).ConfigureAwait(false);
            foreach (SiloCall call in calls)
            {
                if (Array.IndexOf(abandoned, call.CallId) >= 0)
                {
                    call.Stop();
                }
            }
        }
        catch (Exception e) when (e is OrleansException or TimeoutException or InvalidOperationException or ObjectDisposedException)
        {
            // The pool is gone (its calls end with their tasks) or the silo stops.
        }
    }

    private static ProcessPoolWorker.Function FunctionOf(byte[] payload)
    {
        string key = Convert.ToHexString(SHA256.HashData(payload));
        if (Functions.TryGetValue(key, out ProcessPoolWorker.Function? known))
        {
            return known;
        }

        ProcessPoolWorker.Function decoded = ProcessPoolWorker.Function.Decode(payload);
        if (Functions.Count >= MaxKnownFunctions)
        {
            Functions.Clear(); // Closures encoded per call: keep the table small.
        }

        Functions[key] = decoded;
        return decoded;
    }
}
