using System.Runtime.InteropServices;
using Multiprocessing.Messaging;
using Multiprocessing.Synchronization;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Messaging;

/// <summary>
/// <see cref="Ring"/> in this process: one block of memory seen through two <see cref="Ring"/> views, as two
/// processes would see it, a writer thread on one and a reader on the other. Wrap-around, messages larger than half
/// the ring (fragmented, delivered whole), a full ring that makes the writer wait, the overflow, completion.
/// </summary>
public sealed class RingTests : IDisposable
{
    private readonly List<nint> blocks = [];
    private readonly TempDirectory overflowFiles = new();

    public unsafe void Dispose()
    {
        foreach (nint b in blocks)
        {
            NativeMemory.AlignedFree((void*)b);
        }

        overflowFiles.Dispose();
    }

    [Theory]
    [InlineData(4096, 2000)]     // records up to about half the ring: every few messages wrap
    [InlineData(65536, 20_000)]
    public async Task ManyMessages_WrapAroundTheRing_AndArriveWholeAndInOrder(long capacity, int maxSize)
    {
        (Ring writer, Ring reader) = NewRing(capacity);
        const int Count = 20_000;
        int[] sizes = Sizes(Count, maxSize, seed: 1);

        Task<string?> writing = WriteAll(writer, sizes);
        string? readFailure = ReadAll(reader, sizes);

        Assert.Null(readFailure);
        Assert.Null(await writing.WaitAsync(Within.Deadline));
        Assert.Equal((0L, 0L), (reader.Count, reader.PendingBytes));
    }

    [Fact]
    public async Task MessagesLargerThanHalfTheRing_AreCutInFragments_AndDeliveredWhole()
    {
        (Ring writer, Ring reader) = NewRing(4096);
        int[] sizes = [.. Enumerable.Range(0, 200).Select(i => (i % 4) switch { 0 => 3000, 1 => 17, 2 => 50_000, _ => 2041 })];

        Task<string?> writing = WriteAll(writer, sizes);
        string? readFailure = ReadAll(reader, sizes);

        Assert.Null(readFailure);
        Assert.Null(await writing.WaitAsync(Within.Deadline));
        Assert.Equal(0L, reader.Count);
    }

    [Fact]
    public async Task AFullRing_TimesAWriterOut_OrMakesItWait_UntilTheReaderTakesAMessage()
    {
        (Ring writer, Ring reader) = NewRing(4096);
        byte[] message = Message(0, 1000);
        int written = 0;
        while (writer.TryWriteNow(message, out RingStatus status))
        {
            Assert.Equal(RingStatus.Ok, status);
            written++;
        }

        Assert.Equal(4, written); // four 1008-byte records fill 4096 bytes
        Assert.Equal(RingStatus.Timeout, writer.Write(message, Deadline.After(TimeSpan.FromMilliseconds(50)), default));
        Assert.Equal(4L, writer.Count); // the timed-out write left nothing

        Task<RingStatus> waiting = Task.Run(() => writer.Write(message, Deadline.After(Within.Deadline), default));
        Assert.NotNull(ReadOne(reader));

        Assert.Equal(RingStatus.Ok, await waiting.WaitAsync(Within.Deadline));
        Assert.Equal(4L, reader.Count);
    }

    [Fact]
    public void ARingWithAnItemBound_TimesOutTheWriteBeyondIt()
    {
        (Ring writer, Ring reader) = NewRing(4096, maxItems: 2);

        Assert.Equal(RingStatus.Ok, writer.Write(Message(1, 8), Deadline.After(Within.Deadline), default));
        Assert.Equal(RingStatus.Ok, writer.Write(Message(2, 8), Deadline.After(Within.Deadline), default));
        Assert.Equal(RingStatus.Timeout, writer.Write(Message(3, 8), Deadline.After(TimeSpan.FromMilliseconds(50)), default));

        Assert.Equal(Message(1, 8), ReadOne(reader));
        Assert.Equal(RingStatus.Ok, writer.Write(Message(3, 8), Deadline.After(Within.Deadline), default));
        Assert.Equal(Message(2, 8), ReadOne(reader));
        Assert.Equal(Message(3, 8), ReadOne(reader));
    }

    [Fact]
    public void WithOverflow_AWriterNobodyReads_GoesToTheOverflow_AndTheReaderGetsEverythingInOrder()
    {
        string prefix = Path.Combine(overflowFiles.Path, "ring.overflow-1-");
        (Ring writer, Ring reader) = NewRing(4096, overflow: true, overflowPrefix: prefix);
        int[] sizes = Sizes(60, 3000, seed: 2);

        // No reader: once the ring is full and no consumer moves, each write goes to a file instead of waiting.
        for (int i = 0; i < sizes.Length; i++)
        {
            Assert.Equal(RingStatus.Ok, writer.Write(Message(i, sizes[i]), Deadline.After(Within.Deadline), default));
        }

        Assert.NotEmpty(Directory.GetFiles(overflowFiles.Path));

        // A reader frees room in the ring while the overflow still holds messages: what is written now goes to the
        // ring behind a marker, and is read after the overflow's, in the order of the writes.
        Assert.Null(ReadAll(reader, sizes[..5]));
        int[] more = [.. sizes, .. Sizes(10, 500, seed: 3)];
        for (int i = sizes.Length; i < more.Length; i++)
        {
            Assert.Equal(RingStatus.Ok, writer.Write(Message(i, more[i]), Deadline.After(Within.Deadline), default));
        }

        Assert.Null(ReadAll(reader, more, from: 5));
        Assert.Empty(Directory.GetFiles(overflowFiles.Path)); // each file is removed once read

        // Caught up: the ring is used again, in order after the overflow.
        Assert.Equal(RingStatus.Ok, writer.Write(Message(7, 10), Deadline.After(Within.Deadline), default));
        Assert.Equal(Message(7, 10), ReadOne(reader));
    }

    [Fact]
    public void Complete_EndsAReaderOnceTheRingIsEmpty_AndACancelledWaitTakesNothing()
    {
        (Ring writer, Ring reader) = NewRing(4096);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        // The token ends a wait: on an empty ring, at once. (A message already there is read: no wait.)
        Assert.ThrowsAny<OperationCanceledException>(() => reader.BeginRead(Deadline.After(Within.Deadline), cancelled.Token, out _));
        Assert.Equal(RingStatus.Ok, writer.Write(Message(5, 100), Deadline.After(Within.Deadline), default));
        Assert.Equal(1L, reader.Count);

        writer.Complete();
        Assert.True(reader.IsCompleted);
        Assert.Equal(Message(5, 100), ReadOne(reader)); // what was written before is still read
        Assert.Equal(RingStatus.Completed, reader.BeginRead(Deadline.After(Within.Deadline), default, out _));
    }

    [Fact]
    public async Task AnEmptyRing_TimesAReaderOut_AndWakesAReaderThatWaits()
    {
        (Ring writer, Ring reader) = NewRing(4096);

        Assert.Equal(RingStatus.Timeout, reader.BeginRead(Deadline.After(TimeSpan.FromMilliseconds(50)), default, out _));

        Task<byte[]?> waiting = Task.Run(() => ReadOne(reader));
        Assert.Equal(RingStatus.Ok, writer.Write(Message(9, 300), Deadline.After(Within.Deadline), default));
        Assert.Equal(Message(9, 300), await waiting.WaitAsync(Within.Deadline));
    }

    [Fact]
    public unsafe void ABurstOfWrites_WhileAReaderIsBeingWoken_MovesTheDataSequenceOnce()
    {
        // A reader that went to sleep left the data sequence armed (odd) and the sleeper count at 1; until it runs
        // again the count stays at 1. The first write moves the sequence on (and wakes); the next ones find it
        // disarmed and make no wake-up system call. Before the armed bit, every write that saw the count above 0
        // moved the sequence and called futex_wake: three writes, three moves.
        (Ring writer, Ring reader) = NewRing(4096);
        RingHeader* h = writer.Header;
        h->DataSeq = 41; // armed, as a sleeper's ArmSeq leaves it
        h->DataSleepers = 1;

        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(RingStatus.Ok, writer.Write(Message(i, 100), Deadline.After(Within.Deadline), default));
        }

        Assert.Equal(42, h->DataSeq);
        h->DataSleepers = 0;
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(Message(i, 100), ReadOne(reader));
        }
    }

    /// <summary>A zeroed block holding an initialized ring, and two views of it.</summary>
    [Fact]
    public void BlockingWriteAndRead_WithRoomAndAMessageReady_AllocateNothing()
    {
        // The fast paths stay in front of the bodies shared with the async forms: no state machine runs, so they
        // allocate nothing even in a Debug build (where a state machine is a class).
        (Ring writer, Ring reader) = NewRing(4096);
        byte[] message = Message(1, 100);
        RoundTrip();
        RoundTrip();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1_000; i++)
        {
            RoundTrip();
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 24 * 1_000, $"{allocated} bytes allocated over 1000 round trips");

        void RoundTrip()
        {
            Assert.True(writer.Write(message, Deadline.Never, CancellationToken.None) == RingStatus.Ok);
            Assert.True(reader.BeginRead(Deadline.Never, CancellationToken.None, out RingMessage read) == RingStatus.Ok);
            Assert.True(read.Length == message.Length);
            reader.EndRead(read);
        }
    }

    private unsafe (Ring Writer, Ring Reader) NewRing(long capacity, int maxItems = 0, bool overflow = false, string? overflowPrefix = null)
    {
        long bytes = Ring.BytesFor(capacity);
        var at = (nint)NativeMemory.AlignedAlloc((nuint)bytes, 4096);
        blocks.Add(at);
        NativeMemory.Clear((void*)at, (nuint)bytes);
        Ring.Initialize(at, capacity, maxItems, overflow);
        return (new Ring(at, watchEnds: false, overflowPrefix), new Ring(at, watchEnds: false, overflowPrefix));
    }

    /// <summary>Message <paramref name="i"/>: its bytes say which message it is and where in it they are.</summary>
    private static byte[] Message(int i, int size)
    {
        byte[] m = new byte[size];
        for (int j = 0; j < size; j++)
        {
            m[j] = (byte)((i * 31) + j);
        }

        return m;
    }

    private static int[] Sizes(int count, int maxSize, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => random.Next(0, maxSize + 1))];
    }

    /// <summary>Writes message i of each size on another thread; null, or what went wrong.</summary>
    private static Task<string?> WriteAll(Ring writer, int[] sizes) => Task.Factory.StartNew(
        () =>
        {
            for (int i = 0; i < sizes.Length; i++)
            {
                RingStatus status = writer.Write(Message(i, sizes[i]), Deadline.After(Within.Deadline), default);
                if (status != RingStatus.Ok)
                {
                    return $"write {i} ({sizes[i]} bytes): {status}";
                }
            }

            return null;
        },
        TaskCreationOptions.LongRunning);

    /// <summary>Reads messages <paramref name="from"/> to the end of <paramref name="sizes"/> and checks each; null, or the first difference.</summary>
    private static string? ReadAll(Ring reader, int[] sizes, int from = 0)
    {
        for (int i = from; i < sizes.Length; i++)
        {
            byte[]? got = ReadOne(reader);
            if (got is null)
            {
                return $"read {i}: nothing within {Within.Deadline.TotalSeconds} s";
            }

            if (!got.AsSpan().SequenceEqual(Message(i, sizes[i])))
            {
                return $"read {i}: {got.Length} bytes, expected message {i} of {sizes[i]} bytes";
            }
        }

        return null;
    }

    /// <summary>The next message, copied out; null on a timeout.</summary>
    private static byte[]? ReadOne(Ring reader)
    {
        if (reader.BeginRead(Deadline.After(Within.Deadline), default, out RingMessage message) != RingStatus.Ok)
        {
            return null;
        }

        byte[] copy = message.Span.ToArray();
        reader.EndRead(message);
        return copy;
    }
}
