using System.Globalization;
using Multiprocessing.Messaging;
using Multiprocessing.Sharing;
using Multiprocessing.Synchronization;

namespace Multiprocessing.Connections;

/// <summary>
/// One end of a <see cref="Pipe"/>: a segment holding one ring per direction. End 0 reads ring 0 and writes
/// ring 1; end 1 the other way round. A one-way pipe has only ring 0: end 0 reads, end 1 writes.
/// </summary>
/// <remarks>
/// Each process holding an end is registered in the ring's end slots, so that the other side sees the end of
/// the stream when no live process holds this end (closed, or died however it died). An end being sent to
/// another process reserves a slot for it until it arrives: in the sender's name (held while the sender lives),
/// or, for a child process being started, in the child's (held while the child lives; cancelled if the start
/// fails), see <see cref="Transit"/>.
/// </remarks>
internal sealed partial class PipeConnection : Connection, ISharedObject<PipeConnection>
{
    private readonly Segment segment;
    private readonly int end;
    private readonly Ring? reader;

    /// <summary>The ring this end reads, if it reads: for tests.</summary>
    internal Ring? ReaderRing => reader;
    private readonly Ring? writer;
    private int writingClosed;

    private PipeConnection(Segment segment, int end, bool duplex, int inTransitFrom)
        : base(readable: duplex || end == 0, writable: duplex || end == 1)
    {
        this.segment = segment;
        this.end = end;
        long ringBytes = segment.PayloadSize / (duplex ? 2 : 1);
        nint data = segment.DataFor(this);
        if (Readable)
        {
            reader = new Ring(data + (nint)(end == 0 ? 0 : ringBytes), watchEnds: true);
            reader.AttachEnd(writer: false, inTransitFrom);
        }

        if (Writable)
        {
            writer = new Ring(data + (nint)(duplex && end == 0 ? ringBytes : 0), watchEnds: true);
            writer.AttachEnd(writer: true, inTransitFrom);
        }
    }

    private bool Duplex => Readable && Writable;

    /// <inheritdoc/>
    string ISharedObject<PipeConnection>.Descriptor
    {
        get
        {
            ThrowIfClosed();
            using SegmentLease use = segment.Enter(this);

            // Sent to another process: hold its place until it attaches, so that the other side does not see
            // the end of the stream if this process closes its copy first.
            reader?.ReserveEnd(writer: false);
            writer?.ReserveEnd(writer: true);
            Transit.Record(this); // Addressed to the receiver if it is a child being started (see Transit).
            return string.Create(CultureInfo.InvariantCulture, $"{segment.Name}/{end}/{(Duplex ? 1 : 0)}/{Environment.ProcessId}");
        }
    }

    /// <summary>Creates a pipe.</summary>
    public static (PipeConnection, PipeConnection) Create(bool duplex, long capacity)
    {
        long ringCapacity = Ring.CapacityFor(capacity);
        long ringBytes = Ring.BytesFor(ringCapacity);
        Segment segment = Segment.Create(null, ringBytes * (duplex ? 2 : 1), SegmentKind.Pipe, duplex ? 1 : 0);
        Segment? second = null;
        try
        {
            nint data = segment.DataFor(segment);
            Ring.Initialize(data, ringCapacity, 0);
            if (duplex)
            {
                Ring.Initialize(data + (nint)ringBytes, ringCapacity, 0);
            }

            // Each end owns its handle on the segment, so that closing one end keeps the other usable.
            second = Segment.Open(segment.Name, SegmentKind.Pipe);
            return (new PipeConnection(segment, 0, duplex, 0), new PipeConnection(second, 1, duplex, 0));
        }
        catch
        {
            second?.Dispose();
            segment.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    static PipeConnection ISharedObject<PipeConnection>.Reopen(string descriptor)
    {
        string[] parts = descriptor.Split('/');
        if (parts.Length != 4)
        {
            throw new InvalidDataException($"Not a pipe end: '{descriptor}'.");
        }

        Segment segment = Segment.Open(parts[0], SegmentKind.Pipe);
        try
        {
            return new PipeConnection(
                segment,
                int.Parse(parts[1], CultureInfo.InvariantCulture),
                parts[2] == "1",
                int.Parse(parts[3], CultureInfo.InvariantCulture));
        }
        catch
        {
            segment.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"PipeConnection('{segment.Name}', end {end}{(Duplex ? ", duplex" : Readable ? ", read" : ", write")})";

    private protected override void WriteFrame(ReadOnlySpan<byte> frame)
    {
        using SegmentLease use = segment.Enter(this);
        if (Volatile.Read(ref writingClosed) != 0)
        {
            throw new IOException("This end has stopped sending.");
        }

        CheckWrite(writer!.Write(frame, Deadline.Never, CancellationToken.None));
    }

    /// <summary>
    /// Writes one message made of <paramref name="head"/> then <paramref name="body"/> if it fits in the ring now
    /// (at most half the ring, and room for it); false, having written nothing, if it would have to wait.
    /// </summary>
    /// <exception cref="IOException">The reading end is closed in every process, or this end stopped sending.</exception>
    /// <exception cref="ObjectDisposedException">This end is closed.</exception>
    internal bool TrySendNow(ReadOnlySpan<byte> head, ReadOnlySpan<byte> body)
    {
        using SegmentLease use = segment.Enter(this);
        ThrowIfSendingStopped();
        if (!writer!.TryWriteNow(head, body, out RingStatus status))
        {
            return false;
        }

        CheckWrite(status);
        return true;
    }

    /// <summary>Writes one message made of <paramref name="head"/> then <paramref name="body"/>, waiting for room until <paramref name="cancellationToken"/> fires.</summary>
    /// <exception cref="IOException">The reading end is closed in every process, or this end stopped sending.</exception>
    /// <exception cref="ObjectDisposedException">This end is closed.</exception>
    /// <exception cref="OperationCanceledException">The token fired first; the message was not delivered.</exception>
    internal void Send(ReadOnlySpan<byte> head, ReadOnlySpan<byte> body, CancellationToken cancellationToken)
    {
        using SegmentLease use = segment.Enter(this);
        ThrowIfSendingStopped();
        CheckWrite(writer!.Write(head, body, Deadline.Never, cancellationToken));
    }

    private protected override async ValueTask WriteFrameAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        using SegmentLease use = segment.Enter(this);
        CheckWrite(await writer!.WriteAsync(frame, Deadline.Never, cancellationToken).ConfigureAwait(false));
    }

    private protected override int ReadFrame(ref byte[] buffer, CancellationToken cancellationToken)
    {
        using SegmentLease use = segment.Enter(this);
        RingStatus status = reader!.BeginRead(Deadline.Never, cancellationToken, out RingMessage message);
        CheckRead(status);
        return TakeFrame(message, ref buffer);
    }

    private protected override async ValueTask<(byte[] Buffer, int Length)> ReadFrameAsync(byte[] buffer, CancellationToken cancellationToken)
    {
        using SegmentLease use = segment.Enter(this);
        (RingStatus status, RingMessage message) = await reader!.BeginReadAsync(Deadline.Never, cancellationToken).ConfigureAwait(false);
        CheckRead(status);
        int length = TakeFrame(message, ref buffer);
        return (buffer, length);
    }

    private protected override bool PollCore(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using SegmentLease use = segment.Enter(this);
        return reader!.WaitReadable(Deadline.After(timeout), cancellationToken) != RingStatus.Timeout;
    }

    private protected override async ValueTask<bool> PollCoreAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using SegmentLease use = segment.Enter(this);
        return await reader!.WaitReadableAsync(Deadline.After(timeout), cancellationToken).ConfigureAwait(false) != RingStatus.Timeout;
    }

    /// <summary>
    /// Stops sending from this end (a half close): the other end sees the end of the stream once it has read
    /// what was sent, while this end can still receive. Sending afterwards throws <see cref="IOException"/>.
    /// </summary>
    internal void CloseWriting()
    {
        using SegmentLease use = segment.Enter(this);
        if (writer is not null && Interlocked.Exchange(ref writingClosed, 1) == 0)
        {
            writer.DetachEnd(writer: true);
        }
    }

    /// <summary>Leaves the end slots and closes the segment: calls in progress on other threads finish or throw <see cref="ObjectDisposedException"/> (those asleep are woken), and the last one unmaps it.</summary>
    private protected override void CloseCore()
    {
        if (segment.TryEnter())
        {
            try
            {
                reader?.DetachEnd(writer: false);
                if (writer is not null && Interlocked.Exchange(ref writingClosed, 1) == 0)
                {
                    writer.DetachEnd(writer: true);
                }
            }
            finally
            {
                segment.Leave();
            }
        }

        segment.Dispose();
    }

    /// <summary>Copies a message out of the ring into <paramref name="buffer"/> (or takes the reassembled array) and frees it.</summary>
    private int TakeFrame(in RingMessage message, ref byte[] buffer)
    {
        try
        {
            if (message.Assembled is { } whole)
            {
                buffer = whole;
                return whole.Length;
            }

            if (buffer.Length < message.Length)
            {
                buffer = new byte[Math.Max(message.Length, buffer.Length * 2)];
            }

            message.Span.CopyTo(buffer);
            return message.Length;
        }
        finally
        {
            reader!.EndRead(message);
        }
    }

    private void ThrowIfSendingStopped()
    {
        ThrowIfClosed();
        if (writer is null)
        {
            throw new InvalidOperationException("This end of the pipe is read-only.");
        }

        if (Volatile.Read(ref writingClosed) != 0)
        {
            throw new IOException("This end has stopped sending.");
        }
    }

    private static void CheckWrite(RingStatus status)
    {
        if (status != RingStatus.Ok)
        {
            throw new IOException("The reading end of the pipe is closed (in every process that had it): the message cannot be delivered.");
        }
    }

    private void CheckRead(RingStatus status)
    {
        if (status != RingStatus.Ok)
        {
            // The status and the writing end's holders as the slots say now: what tells a closed end from a live
            // one taken for dead, should this come where the other end still runs.
            throw new EndOfStreamException($"The other end of the pipe is closed (in every process that had it): nothing more will arrive ({status}; writers now: {reader!.DescribeWriters()}).");
        }
    }
}
