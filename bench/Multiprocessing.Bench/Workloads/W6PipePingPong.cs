using System.Diagnostics;
using System.Text.Json.Nodes;
using Multiprocessing.Bench.Core;

namespace Multiprocessing.Bench.Workloads;

/// <summary>
/// W6 pipe_pingpong, as CPython's: <c>(a, b) = Pipe.Create()</c> (duplex); the child echoes what it receives until
/// it receives null. One untimed warm-up round trip, then rounds timed × <c>a.Send(i); a.Receive()</c>.
/// </summary>
internal sealed class W6PipePingPong : IWorkload
{
    public void Run(WorkloadContext context)
    {
        int n = context.Size(20_000);
        (Connection a, Connection b) = Pipe.Create();
        using (a)
        {
            using ChildProcess child = ChildProcess.Start(Echo, b);
            b.Dispose();
            a.Send<int?>(-1);
            _ = a.Receive<int?>();

            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < n; i++)
            {
                a.Send<int?>(i);
                if (a.Receive<int?>() != i)
                {
                    throw new BenchException($"round trip {i} came back wrong");
                }
            }

            TimeSpan elapsed = Stopwatch.GetElapsedTime(start);
            a.Send<int?>(null);
            QueueBench.JoinChild(child);
            context.Emit("roundtrip", elapsed.TotalMicroseconds / n, "us/roundtrip", new JsonObject { ["n"] = n, ["duplex"] = true });
        }
    }

    private static void Echo(Connection end)
    {
        using (end)
        {
            while (end.Receive<int?>() is { } x)
            {
                end.Send<int?>(x);
            }
        }
    }
}
