using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Messaging;

/// <summary>
/// A pipe end passed to a child that never takes it (issue #11): the child is killed before it decodes its
/// arguments, fails to decode them, or is never started. The parent closes its own copy of the end it passed
/// (Python's pattern), so once the child can no longer take the end nobody holds it: the parent's
/// <c>Receive</c> must end with the end of the stream, not wait for as long as the parent lives.
/// </summary>
public sealed class PipeEndInTransitTests
{
    /// <summary>How long the parent's receive may take to see the end: generous, and far below "for ever".</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // the parent is asleep in its receive when the child dies: the death must wake it
    public async Task ChildKilledBeforeItDecodesTheEnd_ReceiveEndsWithEndOfStream(bool receiveBeforeTheKill)
    {
        (Connection mine, Connection theirs) = Pipe.Create(duplex: false);
        using (mine)
        {
            using SharedEvent stalled = SharedEvent.Create();
            using ChildProcess child = StartStalledBeforeTheEnd(theirs, stalled);
            using var cts = new CancellationTokenSource(Bound + Within.Deadline);
            Task<Exception?>? wait = null;
            if (receiveBeforeTheKill)
            {
                wait = Task.Run(() => ReceiveOutcome(mine, cts.Token));
                Assert.False(wait.IsCompleted, "the receive ended before the child died");
            }

            child.Kill();
            child.JoinOrFail();
            Assert.Equal(-9, child.ExitCode);

            await AssertOutcome(wait ?? Task.Run(() => ReceiveOutcome(mine, cts.Token)), mine);
        }
    }

    [Fact]
    public async Task ChildFailsToDecodeItsCall_ReceiveEndsWithEndOfStream()
    {
        // The first argument cannot be rebuilt in the child: it exits with its error, never having taken the end.
        (Connection mine, Connection theirs) = Pipe.Create(duplex: false);
        using (mine)
        {
            using ChildProcess child = ChildProcess.Start(
                static (Percentage p, Connection end) => end.Send("unreachable"),
                new Percentage(50) { Value = 150 },
                theirs);
            theirs.Dispose();
            child.JoinOrFail();
            Assert.Equal(1, child.ExitCode);

            await AssertEndOfStream(mine);
        }
    }

    [Fact]
    public async Task LaunchFails_ReceiveEndsWithEndOfStream()
    {
        // posix_spawn refuses an environment string above the kernel's 128 KiB limit (E2BIG): Start throws.
        (Connection mine, Connection theirs) = Pipe.Create(duplex: false);
        using (mine)
        {
            var options = new ChildProcessOptions
            {
                Environment = new Dictionary<string, string?> { ["MULTIPROCESSING_TEST_TOO_BIG"] = new string('x', 256 * 1024) },
            };
            Assert.Throws<IOException>(() => ChildProcess.Start(static (Connection end) => end.Send("unreachable"), theirs, options));
            theirs.Dispose();

            await AssertEndOfStream(mine);
        }
    }

    [Fact]
    public async Task ALaterArgumentCannotBeEncoded_ReceiveEndsWithEndOfStream()
    {
        // The end is encoded (and reserved) before the next argument fails to encode: no child is started.
        (Connection mine, Connection theirs) = Pipe.Create(duplex: false);
        using (mine)
        {
            using var stream = new MemoryStream();
            Assert.Throws<ArgumentException>(() => ChildProcess.Start(
                static (Connection end, MemoryStream s) => end.Send("unreachable"),
                theirs,
                stream));
            theirs.Dispose();

            await AssertEndOfStream(mine);
        }
    }

    [Fact]
    public void ChildThatTakesTheEnd_StillHoldsIt_AfterTheParentClosesItsCopy()
    {
        // Control: the fix must not end reservations that were taken. The child attaches, then sends.
        (Connection mine, Connection theirs) = Pipe.Create(duplex: false);
        using (mine)
        {
            using SharedEvent go = SharedEvent.Create();
            using ChildProcess child = ChildProcess.Start(
                static (Connection end, SharedEvent e) =>
                {
                    Assert.True(e.TryWait(Within.Deadline));
                    end.Send("hello");
                },
                theirs,
                go);
            theirs.Dispose();
            Assert.False(mine.Poll(TimeSpan.FromMilliseconds(200)), "nothing was sent yet: the end must still count as held");
            go.Set();
            Assert.Equal("hello", mine.Receive<string>());
            child.JoinOrFail();
            Assert.Equal(0, child.ExitCode);
            Assert.Throws<EndOfStreamException>(() => mine.Receive<string>());
        }
    }

    /// <summary>
    /// Starts a child with <paramref name="theirs"/> as its second argument, closes the parent's copy, and returns
    /// once the child is blocked decoding its first argument (whose constructor blocks there): it never reaches the end.
    /// </summary>
    private static ChildProcess StartStalledBeforeTheEnd(Connection theirs, SharedEvent stalled)
    {
        ChildProcess child = ChildProcess.Start(
            static (StallInDecoding stall, Connection end) => end.Send("unreachable"),
            new StallInDecoding(Environment.ProcessId, stalled),
            theirs);
        theirs.Dispose();
        Assert.True(stalled.TryWait(Within.Deadline), $"{child} did not reach the blocking argument within {Within.Deadline.TotalSeconds} s (exit code {child.ExitCode}).");
        return child;
    }

    private static async Task AssertEndOfStream(Connection mine)
    {
        using var cts = new CancellationTokenSource(Bound + Within.Deadline);
        await AssertOutcome(Task.Run(() => ReceiveOutcome(mine, cts.Token)), mine);
    }

    private static async Task AssertOutcome(Task<Exception?> wait, Connection mine)
    {
        if (await Task.WhenAny(wait, Task.Delay(Bound)) != wait)
        {
            mine.Dispose(); // wakes the receive, so that nothing is left asleep
            Assert.Fail($"Receive still waiting {Bound.TotalSeconds} s after the child could no longer take the end.");
        }

        Exception? outcome = await wait;
        Assert.True(outcome is EndOfStreamException, $"expected the end of the stream, got {outcome?.GetType().Name ?? "a message"}: {outcome?.Message}");
    }

    private static Exception? ReceiveOutcome(Connection mine, CancellationToken token)
    {
        try
        {
            mine.Receive<string>(token);
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }
}

/// <summary>An argument whose decoding blocks for ever in any process but the one that made it (after saying so): a MessagePack object, built by its constructor.</summary>
[MessagePack.MessagePackObject]
public sealed class StallInDecoding
{
    [MessagePack.SerializationConstructor]
    public StallInDecoding(int maker, SharedEvent reached)
    {
        Maker = maker;
        Reached = reached;
        if (maker != Environment.ProcessId)
        {
            reached.Set();
            Thread.Sleep(Timeout.Infinite);
        }
    }

    [MessagePack.Key(0)]
    public int Maker { get; }

    [MessagePack.Key(1)]
    public SharedEvent Reached { get; }
}
