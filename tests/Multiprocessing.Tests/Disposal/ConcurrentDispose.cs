using System.Diagnostics;

namespace Multiprocessing.Tests.Disposal;

/// <summary>
/// The hammering side of a concurrent-dispose test, run in a child process: threads call an object's members in
/// loops (some of them calls that wait: a get on an empty queue, an acquire of a held lock) while the main thread
/// disposes the object, round after round. Every call must either succeed or throw
/// <see cref="ObjectDisposedException"/>, every thread must end (a waiter is woken by the Dispose), and the process
/// must not crash.
/// </summary>
internal static class ConcurrentDispose
{
    /// <summary>One round's object: what the threads do with it, and how it is disposed.</summary>
    /// <param name="Loops">One loop body per thread; a body may block (it must then end by throwing once disposed).</param>
    /// <param name="Dispose">Disposes the object.</param>
    /// <param name="Cleanup">Runs after the round (closes helpers such as the other end of a pipe).</param>
    internal sealed record Round(Action[] Loops, Action Dispose, Action? Cleanup = null);

    /// <summary>
    /// Runs <paramref name="rounds"/> rounds made by <paramref name="make"/>; "ok ..." with counts, or the first
    /// failures. <paramref name="alsoFine"/> says which other exceptions a call may end with (none by default).
    /// Each round disposes once the threads have begun between their number and that plus <paramref name="spread"/> calls.
    /// </summary>
    public static string Run(Func<Round> make, int rounds = 25, Func<Exception, bool>? alsoFine = null, int spread = 400)
    {
        var failures = new List<string>();
        long calls = 0, refused = 0;
        var random = new Random(12345);
        var clock = Stopwatch.StartNew();
        for (int r = 0; r < rounds && failures.Count == 0; r++)
        {
            Round round = make();
            long started = 0;
            var threads = new Thread[round.Loops.Length];
            for (int i = 0; i < threads.Length; i++)
            {
                Action body = round.Loops[i];
                threads[i] = new Thread(() =>
                {
                    while (true)
                    {
                        Interlocked.Increment(ref started);
                        try
                        {
                            body();
                            Interlocked.Increment(ref calls);
                        }
                        catch (ObjectDisposedException)
                        {
                            Interlocked.Increment(ref refused);
                            return;
                        }
                        catch (Exception e) when (alsoFine?.Invoke(e) == true)
                        {
                            Interlocked.Increment(ref calls);
                        }
                        catch (Exception e)
                        {
                            lock (failures)
                            {
                                failures.Add($"round {r}: {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
                            }

                            return;
                        }
                    }
                })
                { IsBackground = true };
                threads[i].Start();
            }

            // Dispose at a different point of the threads' work each round: once every thread has begun a call,
            // after a random number of further calls, or at most 50 ms (when every thread waits, none begins more).
            long target = threads.Length + random.Next(0, spread);
            var wait = Stopwatch.StartNew();
            while (Volatile.Read(ref started) < threads.Length && wait.Elapsed < TimeSpan.FromSeconds(10))
            {
                Thread.Yield();
            }

            wait.Restart();
            while (Volatile.Read(ref started) < target && wait.ElapsedMilliseconds < 50)
            {
                Thread.Yield();
            }

            round.Dispose();
            foreach (Thread t in threads)
            {
                if (!t.Join(TimeSpan.FromSeconds(10)))
                {
                    failures.Add($"round {r}: a thread did not end within 10 s of the Dispose (a waiter was not woken)");
                    break;
                }
            }

            round.Cleanup?.Invoke();
        }

        return failures.Count == 0
            ? $"ok rounds={rounds} calls={calls} refused={refused} in {clock.ElapsedMilliseconds} ms"
            : string.Join("\n", failures.Take(3));
    }
}
