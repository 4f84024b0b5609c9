using Multiprocessing.Tests.Synchronization;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Messaging;

/// <summary>
/// The end of the stream when the child that held the other end of a pipe goes away without closing it (Python's
/// <c>recv()</c> raising <c>EOFError</c> once the OS closed the dead process's descriptor). The end is passed as
/// an argument, so that the parent is already asleep in its wait when the child takes its end over from the
/// parent's reservation: the wait must notice that change of holder to see the child go.
/// </summary>
public sealed class PipePeerExitTests
{
    /// <summary>How the child lets go of its end.</summary>
    public enum Ending
    {
        /// <summary>Its target returns without disposing the end.</summary>
        Returns,

        /// <summary>Its target throws.</summary>
        Throws,

        /// <summary>It is killed (SIGKILL) while it holds the end.</summary>
        Killed,
    }

    /// <summary>How the parent waits on its end.</summary>
    public enum Waiting
    {
        Receive,
        ReceiveWithToken,
        ReceiveAsync,
        ReceiveAsyncWithToken,
        Poll,
        PollAsync,
    }

    /// <summary>Every ending with every way of waiting.</summary>
    public static TheoryData<Ending, Waiting> Cases()
    {
        var cases = new TheoryData<Ending, Waiting>();
        foreach (Ending ending in Enum.GetValues<Ending>())
        {
            foreach (Waiting waiting in Enum.GetValues<Waiting>())
            {
                cases.Add(ending, waiting);
            }
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task TheChildGoesWithoutClosingItsEnd_TheWaitEndsWithEndOfStream(Ending ending, Waiting waiting)
    {
        (Connection mine, Connection theirs) = Pipe.Create();
        using (mine)
        {
            using SharedEvent attached = SharedEvent.Create();
            using ChildProcess child = ending switch
            {
                Ending.Returns => ChildProcess.Start(static (Connection end, SharedEvent e) => e.Set(), theirs, attached),
                Ending.Throws => ChildProcess.Start(static (Connection end, SharedEvent e) => Throw(e), theirs, attached),
                _ => ChildProcess.Start(static (Connection end, SharedEvent e) => HoldUntilKilled(e), theirs, attached),
            };
            theirs.Dispose();

            // Starts waiting now: the child takes its end over while the parent sleeps.
            using var cts = new CancellationTokenSource(Within.Deadline);
            Task<Exception?> wait = Task.Run(() => Outcome(mine, waiting, cts.Token));
            if (ending == Ending.Killed)
            {
                Handoff.WaitReady(attached, child);
                child.Kill();
            }

            if (await Task.WhenAny(wait, Task.Delay(Within.Deadline + TimeSpan.FromSeconds(5))) != wait)
            {
                mine.Dispose(); // wakes the wait (ObjectDisposedException) so that nothing is left asleep
                Assert.Fail($"{waiting}: still waiting {Within.Deadline.TotalSeconds} s after the child began to go ({ending}).");
            }

            Exception? outcome = await wait;
            Assert.True(outcome is EndOfStreamException, $"{waiting} ({ending}): expected the end of the stream, got {outcome?.GetType().Name ?? "a message or readiness"}: {outcome?.Message}");
            Assert.Throws<EndOfStreamException>(() => mine.Receive<string>()); // and the end stays the end
            child.JoinOrFail();
        }
    }

    [Fact]
    public void ChildGoesBeforeTheParentWaits_EndOfStreamAtOnce()
    {
        // The case that always worked (the parent's wait begins after the child has taken its end over), kept
        // next to the others: the child returns without disposing its end.
        (Connection mine, Connection theirs) = Pipe.Create();
        using (mine)
        {
            using ChildProcess child = ChildProcess.Start(static (Connection end) => end.Send("bye"), theirs);
            theirs.Dispose();
            Assert.Equal("bye", mine.Receive<string>());
            child.JoinOrFail();
            Assert.Throws<EndOfStreamException>(() => mine.Receive<string>());
            Assert.True(mine.Poll(TimeSpan.Zero));
        }
    }

    [Fact]
    public async Task EndPassedOnByAChild_ToAGrandchildThatDies_EndsTheParentsWait()
    {
        // The holder changes twice while the parent sleeps: child (from the parent's reservation), then grandchild
        // (from the child's); the child closes its copy at once, the grandchild returns without closing its own.
        (Connection mine, Connection theirs) = Pipe.Create();
        using (mine)
        {
            using ChildProcess child = ChildProcess.Start(static (Connection end) =>
            {
                using ChildProcess grandchild = ChildProcess.Start(static (Connection e) => { }, end);
                end.Dispose();
                Assert.True(grandchild.Join(Within.Deadline));
            }, theirs);
            theirs.Dispose();

            using var cts = new CancellationTokenSource(Within.Deadline);
            Task<Exception?> wait = Task.Run(() => Outcome(mine, Waiting.ReceiveWithToken, cts.Token));
            Exception? outcome = await wait;
            Assert.True(outcome is EndOfStreamException, $"expected the end of the stream, got {outcome?.GetType().Name}: {outcome?.Message}");
            child.JoinOrFail();
            Assert.Equal(0, child.ExitCode);
        }
    }

    [Fact]
    public async Task Send_BlockedOnAFullRing_FailsWhenTheChildHoldingTheReadingEndReturns()
    {
        // The writer's side of the same wait: the reading end goes to a child that returns without reading.
        (Connection reader, Connection writer) = Pipe.Create(duplex: false, capacity: 4096);
        using (writer)
        {
            using ChildProcess child = ChildProcess.Start(static (Connection end) => { }, reader);
            reader.Dispose();

            Task<Exception?> fill = Task.Run(() =>
            {
                try
                {
                    for (int i = 0; i < 1_000_000; i++)
                    {
                        writer.SendBytes(new byte[256]);
                    }

                    return null;
                }
                catch (Exception e)
                {
                    return e;
                }
            });
            if (await Task.WhenAny(fill, Task.Delay(Within.Deadline)) != fill)
            {
                writer.Dispose(); // wakes the blocked send
                Assert.Fail($"Send still blocked {Within.Deadline.TotalSeconds} s after the child holding the reading end started.");
            }

            Assert.IsType<IOException>(await fill);
            child.JoinOrFail();
        }
    }

    private static void Throw(SharedEvent attached)
    {
        attached.Set();
        throw new InvalidOperationException("x");
    }

    private static void HoldUntilKilled(SharedEvent attached)
    {
        attached.Set();
        Thread.Sleep(Timeout.Infinite);
    }

    /// <summary>Waits as asked; returns what ended the wait (null for a message, or readiness that Receive then turns into its outcome).</summary>
    private static async Task<Exception?> Outcome(Connection mine, Waiting waiting, CancellationToken token)
    {
        try
        {
            switch (waiting)
            {
                case Waiting.Receive:
                    mine.Receive<string>(CancellationToken.None);
                    break;
                case Waiting.ReceiveWithToken:
                    mine.Receive<string>(token);
                    break;
                case Waiting.ReceiveAsync:
                    await mine.ReceiveAsync<string>(CancellationToken.None);
                    break;
                case Waiting.ReceiveAsyncWithToken:
                    await mine.ReceiveAsync<string>(token);
                    break;
                case Waiting.Poll:
                    if (!mine.Poll(Within.Deadline, CancellationToken.None))
                    {
                        return new TimeoutException("Poll returned false");
                    }

                    mine.Receive<string>(CancellationToken.None);
                    break;
                default:
                    if (!await mine.PollAsync(Within.Deadline, CancellationToken.None))
                    {
                        return new TimeoutException("PollAsync returned false");
                    }

                    await mine.ReceiveAsync<string>(CancellationToken.None);
                    break;
            }

            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }
}
