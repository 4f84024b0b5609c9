using Multiprocessing.Connections;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Messaging;

/// <summary>
/// A pipe's reader that sleeps for each message asks the kernel whether the writer lives only when the death watch
/// cannot say (a holder not yet watched, or one it saw die): a sleep cost a pidfd opened, polled and closed per
/// holder before, on every wait that did not find its message while spinning. The end of the writer is still seen.
/// </summary>
public sealed class PipePeerLookTests
{
    [Fact]
    public void AReaderSleepingForEachOfTwentyMessages_LooksAtTheLiveWriterOnlyOnce_AndStillSeesItsEnd()
    {
        (Connection a, Connection b) = Pipe.Create(duplex: false);
        using (a)
        {
            using ChildProcess child = ChildProcess.Start(static (Connection end) =>
            {
                using (end)
                {
                    for (int i = 0; i < 20; i++)
                    {
                        Thread.Sleep(20); // long past any spin: the reader sleeps for each message
                        end.Send(i);
                    }
                }
            }, b);
            b.Dispose();
            var reader = (PipeConnection)a;

            for (int i = 0; i < 20; i++)
            {
                Assert.Equal(i, a.Receive<int>());
            }

            long looks = reader.ReaderRing!.ExactPeerLooks;
            Assert.True(looks <= 2, $"the reader asked the kernel about its writer {looks} times for 20 sleeps");

            var end = Assert.Throws<EndOfStreamException>(() => a.Receive<int>()); // the writer closed its end and exited
            Assert.Contains("PeerGone; writers now: none", end.Message); // why, and who held the end, in the message
            child.JoinOrFail();
        }
    }
}
