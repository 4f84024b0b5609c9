using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;

namespace Multiprocessing.Diagnostics;

/// <summary>
/// A W3C trace context (trace id, parent span id, flags, trace state) in bytes, as it travels to a child (in its
/// start payload) and to a pool's worker (in front of a task's Run frame): 16 bytes of trace id, 8 of span id, 1 of
/// flags, a 2-byte little-endian length and the UTF-8 trace state.
/// </summary>
internal static class TraceContextWire
{
    private const int FixedSize = 16 + 8 + 1 + 2;

    /// <summary>The length of a context without trace state: enough to read any context's length.</summary>
    public const int MinLength = FixedSize;

    /// <summary>The longest trace state sent (W3C allows 512 characters); a longer one is dropped, the ids still travel.</summary>
    private const int MaxTraceState = 1024;

    /// <summary>
    /// The activity whose context a call made now carries: <paramref name="own"/> (the library's activity for the
    /// call) if there is one, else the caller's current activity; null if neither exists or it is not in W3C format.
    /// </summary>
    public static Activity? ToCarry(Activity? own)
    {
        Activity? activity = own ?? Activity.Current;
        return activity is { IdFormat: ActivityIdFormat.W3C } ? activity : null;
    }

    /// <summary>The encoded context of <paramref name="activity"/>.</summary>
    public static byte[] Encode(Activity activity)
    {
        string? state = activity.TraceStateString;
        int stateLength = state is null ? 0 : Encoding.UTF8.GetByteCount(state);
        if (stateLength > MaxTraceState)
        {
            stateLength = 0;
            state = null;
        }

        byte[] bytes = new byte[FixedSize + stateLength];
        Write(activity, state, stateLength, bytes);
        return bytes;
    }

    /// <summary>A task frame that carries <paramref name="activity"/>'s context: <paramref name="kind"/>, the context, then <paramref name="frame"/>.</summary>
    public static byte[] Prefix(byte kind, Activity activity, byte[] frame)
    {
        byte[] context = Encode(activity);
        byte[] traced = new byte[1 + context.Length + frame.Length];
        traced[0] = kind;
        context.CopyTo(traced, 1);
        frame.CopyTo(traced, 1 + context.Length);
        return traced;
    }

    /// <summary>The length of the encoded context at the start of <paramref name="bytes"/>.</summary>
    /// <param name="bytes">The context, and what follows it.</param>
    /// <param name="complete">Whether <paramref name="bytes"/> must hold the whole context (else only its first <see cref="MinLength"/> bytes).</param>
    /// <exception cref="InvalidDataException">The bytes are too short for a context.</exception>
    public static int LengthOf(ReadOnlySpan<byte> bytes, bool complete = true)
    {
        if (bytes.Length < FixedSize)
        {
            throw new InvalidDataException($"A trace context needs {FixedSize} bytes; {bytes.Length} are left.");
        }

        int length = FixedSize + BinaryPrimitives.ReadUInt16LittleEndian(bytes[25..]);
        return !complete || length <= bytes.Length ? length : throw new InvalidDataException($"A trace context of {length} bytes has only {bytes.Length}.");
    }

    /// <summary>Decodes a context made by <see cref="Encode"/>, as a remote parent.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a context.</exception>
    public static ActivityContext Decode(ReadOnlySpan<byte> bytes)
    {
        int length = LengthOf(bytes);
        string? state = length > FixedSize ? Encoding.UTF8.GetString(bytes[FixedSize..length]) : null;
        return new ActivityContext(
            ActivityTraceId.CreateFromBytes(bytes[..16]),
            ActivitySpanId.CreateFromBytes(bytes[16..24]),
            (ActivityTraceFlags)bytes[24],
            state,
            isRemote: true);
    }

    private static void Write(Activity activity, string? state, int stateLength, Span<byte> into)
    {
        activity.TraceId.CopyTo(into[..16]);
        activity.SpanId.CopyTo(into[16..24]);
        into[24] = (byte)activity.ActivityTraceFlags;
        BinaryPrimitives.WriteUInt16LittleEndian(into[25..], (ushort)stateLength);
        if (state is not null)
        {
            Encoding.UTF8.GetBytes(state, into[FixedSize..]);
        }
    }
}
