using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Multiprocessing.Connections;
using Multiprocessing.Messaging;
using Multiprocessing.Pools;

namespace Multiprocessing.Tests.Pools;

/// <summary>
/// The pool's side of a worker writes its queued frames into the worker's pipe and lets go of them: a frame
/// written is no longer reachable from the worker's outbox. When the outbox peeked at its head frame
/// (<c>ConcurrentQueue.TryPeek</c>), the queue stopped clearing and recycling its slots: frames stayed reachable
/// until their segment was passed, and the queue allocated a new segment every 32 frames, which cost the W2 map
/// with chunk size 1 a fence and about 32 bytes per task.
/// </summary>
public sealed class ProcessWorkerOutboxTests
{
    private const int Frames = 2_000;

    [Fact]
    public void FramesWritten_AreNotKeptReachableByTheOutbox()
    {
        (PipeConnection mine, PipeConnection theirs) = PipeConnection.Create(duplex: true, capacity: 1 << 20);
        using var worker = new ProcessWorker(0, null!, mine, TaskClaims.Create(), new WorkerTally(null!));
        try
        {
            WeakReference[] written = PostAndFlush(worker, theirs);

            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            int alive = written.Count(w => w.IsAlive);
            Assert.True(alive == 0, $"{alive} of {Frames} frames written to the pipe are still reachable");
        }
        finally
        {
            theirs.Dispose();
        }
    }

    /// <summary>Posts and writes <see cref="Frames"/> task frames one by one, reads each at the other end, and returns weak references to them.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference[] PostAndFlush(ProcessWorker worker, PipeConnection theirs)
    {
        var written = new WeakReference[Frames];
        for (int i = 0; i < Frames; i++)
        {
            byte[] frame = new byte[64];
            BinaryPrimitives.WriteInt32LittleEndian(frame, i);
            written[i] = new WeakReference(frame);
            worker.PostTask(frame, i);
            worker.Flush();

            ReadOnlySpan<byte> received = theirs.ReceiveFrame().Span;
            Assert.Equal(ProcessWire.Claim, received[0]);
            Assert.Equal((long)i, BinaryPrimitives.ReadInt64LittleEndian(received[1..]));
            Assert.Equal(i, BinaryPrimitives.ReadInt32LittleEndian(received[9..]));
        }

        return written;
    }
}
