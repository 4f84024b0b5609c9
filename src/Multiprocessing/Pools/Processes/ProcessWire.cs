using System.Buffers;
using System.Buffers.Binary;
using System.Reflection;
using MessagePack;
using Multiprocessing.Codec;

namespace Multiprocessing.Pools;

/// <summary>
/// The frames between a <see cref="ProcessPool"/> and its worker processes, over a pipe per worker.
/// To a worker: <c>Define</c> (a function: method and target, encoded once per worker), <c>Run</c> (a task: its
/// function's id and its arguments) behind a <c>Claim</c> header (its sequence number for the worker, see
/// <see cref="TaskClaims"/>), <c>Forget</c> (drop the defined functions). From a worker: <c>Ok</c> (a
/// result), <c>Error</c> (the task's exception), <c>InitFailed</c> (the initializer's exception).
/// </summary>
internal static class ProcessWire
{
    public const byte Define = 1;
    public const byte Run = 2;
    public const byte Forget = 3;

    /// <summary>In front of a Run frame: the task's sequence number in the worker's <see cref="TaskClaims"/>, which the worker claims before it runs the task.</summary>
    public const byte Claim = 4;

    /// <summary>In front of a Run frame (behind its Claim): the caller's W3C trace context (<see cref="Diagnostics.TraceContextWire"/>); only when there is one to carry.</summary>
    public const byte Traced = 5;

    public const byte Ok = 1;
    public const byte Error = 2;
    public const byte InitFailed = 3;

    /// <summary>Sent once by a worker when it has started and its initializer has run: task timeouts count from then.</summary>
    public const byte Ready = 4;

    /// <summary>Result flag: the worker went past its memory limit and asks to be replaced.</summary>
    public const byte RetireFlag = 1;

    /// <summary>A task's shape: one call; a chunk of calls with one argument each; a chunk of calls whose tuple items are spread over the parameters.</summary>
    public const byte Single = 0;
    public const byte Chunk = 1;
    public const byte ChunkSpread = 2;

    /// <summary>Header of a Run frame: kind, task id, function id, shape, item count.</summary>
    public const int RunHeader = 1 + 8 + 4 + 1 + 4;

    /// <summary>
    /// Header of a result frame: kind, task id, flags, and how long the task ran in the worker, in microseconds
    /// (saturated at <see cref="uint.MaxValue"/>; 0 in a Ready frame).
    /// </summary>
    public const int ResultHeader = 1 + 8 + 1 + 4;

    /// <summary>Where a result frame's run time (see <see cref="ResultHeader"/>) starts.</summary>
    public const int RunTimeOffset = 1 + 8 + 1;

    /// <summary>Writes the run time since <paramref name="began"/> (a <see cref="System.Diagnostics.Stopwatch"/> timestamp) into a result frame's header.</summary>
    public static void WriteRunTime(Span<byte> resultFrame, long began)
    {
        long micros = (System.Diagnostics.Stopwatch.GetTimestamp() - began) * 1_000_000 / System.Diagnostics.Stopwatch.Frequency;
        BinaryPrimitives.WriteUInt32LittleEndian(resultFrame[RunTimeOffset..], (uint)Math.Clamp(micros, 0, uint.MaxValue));
    }

    /// <summary>How long a result frame's task ran in its worker, in <see cref="System.Diagnostics.Stopwatch"/> ticks.</summary>
    public static long ReadRunTime(ReadOnlySpan<byte> resultFrame) =>
        (long)BinaryPrimitives.ReadUInt32LittleEndian(resultFrame[RunTimeOffset..]) * System.Diagnostics.Stopwatch.Frequency / 1_000_000;

    /// <summary>A Define frame.</summary>
    public static byte[] DefineFrame(int functionId, byte[] payload)
    {
        byte[] frame = new byte[1 + 4 + payload.Length];
        frame[0] = Define;
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(1), functionId);
        payload.CopyTo(frame, 5);
        return frame;
    }

    /// <summary>Encodes a call's arguments by the parameters' declared types, in the caller; a <see cref="CancellationToken"/> parameter's is left out.</summary>
    /// <exception cref="ArgumentException">An argument cannot be encoded; the message names it.</exception>
    public static void WriteArguments(ref MessagePackWriter writer, ParameterInfo[] parameters, scoped ReadOnlySpan<object?> args)
    {
        for (int i = 0; i < args.Length; i++)
        {
            Type type = parameters[i].ParameterType;
            if (type == typeof(CancellationToken))
            {
                continue; // Not encoded: the worker passes the task's own token.
            }

            try
            {
                WireCodec.Serialize(ref writer, type, args[i]);
            }
            catch (Exception e) when (e is not OutOfMemoryException and not ArgumentException)
            {
                throw WireCodec.EncodeFailure($"argument '{parameters[i].Name}'", $"arg{i + 1}", type, e);
            }
        }
    }

    /// <summary>A Run frame: the header, then the arguments written by <paramref name="writeArgs"/>.</summary>
    public static byte[] RunFrame<TState>(long taskId, int functionId, byte shape, int count, TState state, WriteArgs<TState> writeArgs)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        Span<byte> head = buffer.GetSpan(RunHeader);
        head[0] = Run;
        BinaryPrimitives.WriteInt64LittleEndian(head[1..], taskId);
        BinaryPrimitives.WriteInt32LittleEndian(head[9..], functionId);
        head[13] = shape;
        BinaryPrimitives.WriteInt32LittleEndian(head[14..], count);
        buffer.Advance(RunHeader);
        var writer = new MessagePackWriter(buffer);
        writeArgs(ref writer, state);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes a task's arguments.</summary>
    public delegate void WriteArgs<TState>(ref MessagePackWriter writer, TState state);

    /// <summary>Writes a MessagePack array header.</summary>
    public static void WriteArrayHeader(IBufferWriter<byte> output, int count)
    {
        Span<byte> head = output.GetSpan(5);
        if (count <= 15)
        {
            head[0] = (byte)(0x90 | count);
            output.Advance(1);
        }
        else if (count <= ushort.MaxValue)
        {
            head[0] = 0xdc;
            BinaryPrimitives.WriteUInt16BigEndian(head[1..], (ushort)count);
            output.Advance(3);
        }
        else
        {
            head[0] = 0xdd;
            BinaryPrimitives.WriteUInt32BigEndian(head[1..], (uint)count);
            output.Advance(5);
        }
    }

    /// <summary>Reads a MessagePack array header: the count and the header's length, or -1 if it is not one.</summary>
    public static int ReadArrayHeader(ReadOnlySpan<byte> bytes, out int headerLength)
    {
        headerLength = 0;
        if (bytes.IsEmpty)
        {
            return -1;
        }

        byte code = bytes[0];
        if ((code & 0xf0) == 0x90)
        {
            headerLength = 1;
            return code & 0x0f;
        }

        if (code == 0xdc && bytes.Length >= 3)
        {
            headerLength = 3;
            return BinaryPrimitives.ReadUInt16BigEndian(bytes[1..]);
        }

        if (code == 0xdd && bytes.Length >= 5)
        {
            headerLength = 5;
            uint n = BinaryPrimitives.ReadUInt32BigEndian(bytes[1..]);
            return n <= int.MaxValue ? (int)n : -1;
        }

        return -1;
    }

    /// <summary>The Run frame of a single call whose one argument is <paramref name="argument"/>, in the codec's scalar form (which is also the codec's general form of it).</summary>
    public static byte[] ScalarSingleFrame(long taskId, int functionId, ReadOnlySpan<byte> argument)
    {
        byte[] frame = GC.AllocateUninitializedArray<byte>(RunHeader + argument.Length);
        frame[0] = Run;
        BinaryPrimitives.WriteInt64LittleEndian(frame.AsSpan(1), taskId);
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(9), functionId);
        frame[13] = Single;
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(14), 1);
        argument.CopyTo(frame.AsSpan(RunHeader));
        return frame;
    }

    /// <summary>A Run frame for a chunk of scalars, written without the codec.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static byte[] ScalarChunkFrame<T>(long taskId, int functionId, ArraySegment<T> items)
    {
        // Two passes: the exact size first, so that the frame is allocated once and never copied.
        Span<byte> scratch = stackalloc byte[Codec.FastCodec.MaxScalarSize];
        int size = RunHeader;
        foreach (T item in items)
        {
            size += Codec.FastCodec.Write(item, scratch, out _);
        }

        byte[] frame = GC.AllocateUninitializedArray<byte>(size);
        frame[0] = Run;
        BinaryPrimitives.WriteInt64LittleEndian(frame.AsSpan(1), taskId);
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(9), functionId);
        frame[13] = Chunk;
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(14), items.Count);
        int at = RunHeader;
        foreach (T item in items)
        {
            at += Codec.FastCodec.Write(item, frame.AsSpan(at), out _);
        }

        return frame;
    }
}
