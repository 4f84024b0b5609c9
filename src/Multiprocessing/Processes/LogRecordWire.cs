using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Multiprocessing.Processes;

/// <summary>
/// A log record written in a child, as it crosses to the parent in a <see cref="FrameKind.Log"/> frame: level,
/// event id and name, category, formatted message, the structured properties (strings, integers, floating-point
/// numbers and booleans kept as such, other values as their invariant text), and the exception, if any, as a
/// <see cref="RemoteExceptionInfo"/>.
/// </summary>
internal sealed record LogRecordWire(
    LogLevel Level,
    EventId EventId,
    string Category,
    string Message,
    KeyValuePair<string, object?>[] Properties,
    RemoteExceptionInfo? Exception)
{
    private enum ValueTag : byte
    {
        Null,
        Text,
        Integer,
        Real,
        Boolean,
    }

    /// <summary>Encodes a record in the child.</summary>
    public static byte[] Encode<TState>(string category, LogLevel level, EventId eventId, TState state, string message, Exception? exception)
    {
        using var stream = new MemoryStream(64 + message.Length);
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write((int)level);
            writer.Write(eventId.Id);
            WriteOptional(writer, eventId.Name);
            writer.Write(category);
            writer.Write(message);
            if (state is IReadOnlyList<KeyValuePair<string, object?>> properties)
            {
                writer.Write(properties.Count);
                for (int i = 0; i < properties.Count; i++)
                {
                    writer.Write(properties[i].Key ?? string.Empty);
                    WriteValue(writer, properties[i].Value);
                }
            }
            else
            {
                writer.Write(0);
            }

            writer.Write(exception is not null);
        }

        if (exception is not null)
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            Codec.WireCodec.Serialize(buffer, RemoteExceptionInfo.From(exception));
            stream.Write(buffer.WrittenSpan);
        }

        return stream.ToArray();
    }

    /// <summary>Decodes a record in the parent.</summary>
    /// <exception cref="EndOfStreamException">The payload is cut short.</exception>
    /// <exception cref="InvalidDataException">The payload is not a record.</exception>
    public static LogRecordWire Decode(byte[] payload)
    {
        using var stream = new MemoryStream(payload, writable: false);
        using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8);
        var level = (LogLevel)reader.ReadInt32();
        int id = reader.ReadInt32();
        string? name = ReadOptional(reader);
        string category = reader.ReadString();
        string message = reader.ReadString();
        int count = reader.ReadInt32();
        if (count < 0 || count > payload.Length)
        {
            throw new InvalidDataException($"Bad property count {count}.");
        }

        var properties = new KeyValuePair<string, object?>[count];
        for (int i = 0; i < count; i++)
        {
            properties[i] = new(reader.ReadString(), ReadValue(reader));
        }

        RemoteExceptionInfo? exception = null;
        if (reader.ReadBoolean())
        {
            exception = Codec.WireCodec.Deserialize<RemoteExceptionInfo>(payload.AsSpan((int)stream.Position));
        }

        return new LogRecordWire(level, new EventId(id, name), category, message, properties, exception);
    }

    private static void WriteOptional(BinaryWriter writer, string? text)
    {
        writer.Write(text is not null);
        if (text is not null)
        {
            writer.Write(text);
        }
    }

    private static string? ReadOptional(BinaryReader reader) => reader.ReadBoolean() ? reader.ReadString() : null;

    private static void WriteValue(BinaryWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.Write((byte)ValueTag.Null);
                break;
            case bool b:
                writer.Write((byte)ValueTag.Boolean);
                writer.Write(b);
                break;
            case sbyte or byte or short or ushort or int or uint or long:
                writer.Write((byte)ValueTag.Integer);
                writer.Write(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case float or double:
                writer.Write((byte)ValueTag.Real);
                writer.Write(Convert.ToDouble(value, CultureInfo.InvariantCulture));
                break;
            default:
                writer.Write((byte)ValueTag.Text);
                writer.Write(Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty);
                break;
        }
    }

    private static object? ReadValue(BinaryReader reader) => (ValueTag)reader.ReadByte() switch
    {
        ValueTag.Null => null,
        ValueTag.Text => reader.ReadString(),
        ValueTag.Integer => reader.ReadInt64(),
        ValueTag.Real => reader.ReadDouble(),
        ValueTag.Boolean => reader.ReadBoolean(),
        var tag => throw new InvalidDataException($"Bad value tag {(byte)tag}."),
    };
}
