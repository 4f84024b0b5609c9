using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Disposal;

/// <summary>
/// Every public member of every shared object throws <see cref="ObjectDisposedException"/> once the object is
/// disposed, instead of reading unmapped memory (which killed the process: AccessViolationException). Each check
/// runs in a child, so that a crash fails the test rather than killing the test host.
/// </summary>
public sealed class SharedObjectsAfterDisposeTests
{
    /// <summary>Kinds of shared objects, and the members documented as fine after Dispose besides Name and ToString.</summary>
    public static TheoryData<string> Kinds => new()
    {
        "queue", "joinable-queue", "pipe", "one-way-pipe", "memory", "value", "array", "lock", "rlock", "array-lock",
        "semaphore", "event", "condition", "barrier",
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void EveryPublicMember_ThrowsObjectDisposed(string kind)
    {
        using ChildProcess<string> child = ChildProcess.Start(static (string k) =>
        {
            (object disposed, string[] allowed, Action<List<string>> byHand) = Disposed(k);
            var skipped = new List<string>();
            List<string> failures = AfterDispose.Probe(disposed, allowed, skipped);
            byHand(failures);
            return string.Join("\n", failures) + "\n--skipped: " + string.Join(",", skipped.Distinct().Order());
        }, kind);

        string[] result = child.ResultOrFail().Split("\n--skipped: ");
        Assert.True(result[0].Length == 0, $"Members of a disposed {kind} that did not throw ObjectDisposedException:\n{result[0]}");
        Assert.Equal(ExpectedSkips(kind), result[1]);
    }

    /// <summary>Members that reflection cannot call (spans), each checked by hand in <see cref="Disposed"/>.</summary>
    private static string ExpectedSkips(string kind) => kind switch
    {
        "memory" => "GetSpan,Span",
        "array" => "AsSpan",
        "pipe" or "one-way-pipe" => "ReceiveBytesInto,SendBytes",
        _ => string.Empty,
    };

    private static (object Disposed, string[] Allowed, Action<List<string>> ByHand) Disposed(string kind)
    {
        string[] connectionState = ["Readable", "Writable", "IsClosed"];
        switch (kind)
        {
            case "queue":
            case "joinable-queue":
                var q = SharedQueue.Create<int>(joinable: kind == "joinable-queue");
                q.Put(1);
                q.Dispose();
                var bytes = SharedQueue.Create<byte[]>();
                bytes.Put([1]);
                bytes.Dispose();
                return (q, [], f =>
                {
                    Expect(f, "GetInto", () => bytes.GetInto(new byte[4]));
                    Expect(f, "GetIntoAsync", () => bytes.GetIntoAsync(new byte[4]).AsTask().GetAwaiter().GetResult());
                    Expect(f, "GetLease", () => bytes.GetLease());
                    Expect(f, "GetLeaseAsync", () => bytes.GetLeaseAsync().AsTask().GetAwaiter().GetResult());
                });
            case "pipe":
            case "one-way-pipe":
                (Connection a, Connection b) = Pipe.Create(duplex: kind == "pipe");
                b.Send(1);
                a.Dispose();
                b.Dispose();
                return (a, connectionState, f =>
                {
                    Expect(f, "SendBytes", () => b.SendBytes([1]));
                    Expect(f, "ReceiveBytesInto", () => a.ReceiveBytesInto(new byte[4]));
                });
            case "memory":
                var m = SharedMemory.Create(64);
                m.Dispose();
                return (m, ["Unlink"], f =>
                {
                    Expect(f, "Span", () => _ = m.Span.Length);
                    Expect(f, "GetSpan", () => _ = m.GetSpan(0, 1).Length);
                });
            case "value":
                var v = SharedValue.Create(5L);
                v.Dispose();
                return (v, [], _ => { });
            case "array":
                var arr = SharedArray.Create<long>(4);
                arr.Dispose();
                return (arr, [], f => Expect(f, "AsSpan", () => _ = arr.AsSpan().Length));
            case "lock":
                var l = SharedLock.Create();
                l.Dispose();
                return (l, [], _ => { });
            case "rlock":
                var rl = SharedRLock.Create();
                rl.Dispose();
                return (rl, [], _ => { });
            case "array-lock":
                var owner = SharedArray.Create<int>(2);
                SharedRLock embedded = owner.GetLock();
                embedded.Dispose();
                return (embedded, [], f =>
                {
                    // The array itself stays usable: the lock's Dispose does not close it.
                    owner[0] = 3;
                    if (owner[0] != 3)
                    {
                        f.Add("the array of a disposed get_lock() lock no longer works");
                    }

                    owner.Dispose();
                });
            case "semaphore":
                var s = SharedSemaphore.Create(1);
                s.Dispose();
                return (s, [], _ => { });
            case "event":
                var e = SharedEvent.Create();
                e.Dispose();
                return (e, [], _ => { });
            case "condition":
                var c = SharedCondition.Create();
                c.Dispose();
                return (c, [], _ => { });
            default:
                var bar = SharedBarrier.Create(2);
                bar.Dispose();
                return (bar, [], _ => { });
        }
    }

    private static void Expect(List<string> failures, string member, Action call)
    {
        try
        {
            call();
            failures.Add($"{member}: returned");
        }
        catch (ObjectDisposedException)
        {
        }
        catch (Exception e)
        {
            failures.Add($"{member}: threw {e.GetType().Name}: {e.Message}");
        }
    }
}
