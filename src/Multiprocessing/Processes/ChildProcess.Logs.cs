using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Multiprocessing.Diagnostics;
using Multiprocessing.Processes;

namespace Multiprocessing;

public partial class ChildProcess
{
    private ILoggerFactory loggerFactory = NullLoggerFactory.Instance;
    private ProcessLogScope? logScope;
    private int logFramesReceived;

    /// <summary>How many log records this child sent (for tests: none when the parent has no logger factory).</summary>
    internal int LogFramesReceived => Volatile.Read(ref logFramesReceived);

    /// <summary>Takes the logger factory for this child: its options' or the process-wide one.</summary>
    private void UseLoggerFactory(ILoggerFactory? own) => loggerFactory = MultiprocessingLogging.Resolve(own);

    /// <summary>
    /// What to write on the control socket first: the start frame, after a <see cref="FrameKind.SendLogs"/> frame if
    /// this process has a logger factory (so that a child whose parent has none never sends a record).
    /// </summary>
    private byte[] FirstFrames(byte[] startFrame) =>
        MultiprocessingLogging.IsReal(loggerFactory) ? [.. Frames.Build(FrameKind.SendLogs, []), .. startFrame] : startFrame;

    /// <summary>Relays the complete log frames at the front of <paramref name="control"/> and removes them (monitor thread).</summary>
    private void RelayLogFrames(List<byte> control)
    {
        ReadOnlySpan<byte> all = CollectionsMarshal.AsSpan(control);
        int taken = 0;
        while (Frames.TryParse(all[taken..], out FrameKind kind, out int length) && kind == FrameKind.Log)
        {
            RelayLog(all.Slice(taken + Frames.HeaderSize, length));
            taken += Frames.HeaderSize + length;
        }

        if (taken > 0)
        {
            control.RemoveRange(0, taken);
        }
    }

    /// <summary>Logs a record the child sent through this process's factory, in a scope naming the child (monitor thread; never throws).</summary>
    private void RelayLog(ReadOnlySpan<byte> payload)
    {
        Interlocked.Increment(ref logFramesReceived);
        LogRecordWire record;
        try
        {
            record = LogRecordWire.Decode(payload.ToArray());
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException or System.Text.DecoderFallbackException || Codec.WireCodec.IsDecodeFailure(e))
        {
            Log.ChildRecordUnreadable(loggerFactory.CreateLogger<ChildProcess>(), Name, Pid, e);
            return;
        }

        try
        {
            ILogger logger = loggerFactory.CreateLogger(record.Category);
            if (!logger.IsEnabled(record.Level))
            {
                return;
            }

            Exception? exception = record.Exception is { } info ? new RemoteException(info, Name, Pid) : null;
            using (logger.BeginScope(logScope ??= new ProcessLogScope(Pid, Name)))
            {
                logger.Log(record.Level, record.EventId, new RelayedLogState(record.Message, record.Properties), exception, static (s, _) => s.Message);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A provider that throws must not end this process (the monitor thread) nor lose the child's other frames.
        }
    }
}
