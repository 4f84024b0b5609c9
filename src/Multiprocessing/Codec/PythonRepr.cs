using System.Globalization;
using System.Text;
using MessagePack;

namespace Multiprocessing.Codec;

/// <summary>
/// Writes an encoded value as Python's <c>repr()</c> would show the same value: <c>'Bob'</c>, <c>3</c>, <c>2.5</c>,
/// <c>True</c>, <c>None</c>, <c>[1, 2]</c>, <c>{'a': 1}</c>, <c>b'\x01'</c>. The wire names no types, so an object
/// encoded field by field shows as the list or map of its fields.
/// </summary>
internal static class PythonRepr
{
    /// <summary>The repr of the value encoded in <paramref name="encoded"/>; <c>&lt;undecodable&gt;</c> if it is not MessagePack.</summary>
    public static string Of(ReadOnlyMemory<byte> encoded)
    {
        var text = new StringBuilder();
        try
        {
            var reader = new MessagePackReader(encoded);
            Write(ref reader, text, depth: 0);
        }
        catch (Exception e) when (WireCodec.IsDecodeFailure(e))
        {
            return "<undecodable>";
        }

        return text.ToString();
    }

    /// <summary>A string as Python's <c>repr()</c> quotes it: single quotes unless it holds one and no double quote.</summary>
    public static string Quote(string value)
    {
        char quote = value.Contains('\'', StringComparison.Ordinal) && !value.Contains('"', StringComparison.Ordinal) ? '"' : '\'';
        var text = new StringBuilder(value.Length + 2).Append(quote);
        foreach (char c in value)
        {
            _ = c switch
            {
                '\\' => text.Append(@"\\"),
                '\n' => text.Append(@"\n"),
                '\r' => text.Append(@"\r"),
                '\t' => text.Append(@"\t"),
                _ when c == quote => text.Append('\\').Append(c),
                _ when c < ' ' || c == '\x7f' => text.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}"),
                _ => text.Append(c),
            };
        }

        return text.Append(quote).ToString();
    }

    private static void Write(ref MessagePackReader reader, StringBuilder text, int depth)
    {
        if (depth > 64)
        {
            reader.Skip();
            text.Append("...");
            return;
        }

        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Nil:
                reader.ReadNil();
                text.Append("None");
                break;
            case MessagePackType.Boolean:
                text.Append(reader.ReadBoolean() ? "True" : "False");
                break;
            case MessagePackType.Integer:
                if (reader.NextCode is MessagePackCode.UInt64)
                {
                    text.Append(reader.ReadUInt64().ToString(CultureInfo.InvariantCulture));
                }
                else
                {
                    text.Append(reader.ReadInt64().ToString(CultureInfo.InvariantCulture));
                }

                break;
            case MessagePackType.Float:
                text.Append(Float(reader.ReadDouble()));
                break;
            case MessagePackType.String:
                text.Append(Quote(reader.ReadString() ?? string.Empty));
                break;
            case MessagePackType.Binary:
                text.Append("b'");
                System.Buffers.ReadOnlySequence<byte>? bytes = reader.ReadBytes();
                foreach (byte b in bytes is { } some ? System.Buffers.BuffersExtensions.ToArray(some) : [])
                {
                    text.Append(b is >= 0x20 and < 0x7f and not (byte)'\'' and not (byte)'\\' ? (char)b : $"\\x{b:x2}");
                }

                text.Append('\'');
                break;
            case MessagePackType.Array:
            case MessagePackType.Map:
                bool map = reader.NextMessagePackType == MessagePackType.Map;
                int count = map ? reader.ReadMapHeader() : reader.ReadArrayHeader();
                text.Append(map ? '{' : '[');
                for (int i = 0; i < count; i++)
                {
                    text.Append(i == 0 ? string.Empty : ", ");
                    Write(ref reader, text, depth + 1);
                    if (map)
                    {
                        text.Append(": ");
                        Write(ref reader, text, depth + 1);
                    }
                }

                text.Append(map ? '}' : ']');
                break;
            default:
                reader.Skip();
                text.Append("<…>");
                break;
        }
    }

    /// <summary>A float as Python prints it: the shortest round-trip digits, <c>3.0</c> not <c>3</c>, <c>inf</c>, <c>nan</c>.</summary>
    private static string Float(double value)
    {
        if (double.IsNaN(value))
        {
            return "nan";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "inf" : "-inf";
        }

        if (value == 0)
        {
            return double.IsNegative(value) ? "-0.0" : "0.0";
        }

        // The shortest digits that round-trip (as Python's repr), and where the decimal point goes.
        string shortest = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        int e = shortest.IndexOf('E', StringComparison.Ordinal);
        string mantissa = e < 0 ? shortest : shortest[..e];
        int exponent = e < 0 ? 0 : int.Parse(shortest[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        int dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        string digits = mantissa.Replace(".", string.Empty, StringComparison.Ordinal);
        int point = (dot < 0 ? mantissa.Length : dot) + exponent;
        int leading = digits.Length - digits.TrimStart('0').Length;
        digits = digits.Trim('0');
        point -= leading;

        // Python: fixed notation for decimal exponents from -4 to 15, else scientific (1e+16, 1e-05).
        int decimalExponent = point - 1;
        string sign = value < 0 ? "-" : string.Empty;
        if (decimalExponent is < -4 or >= 16)
        {
            string rest = digits.Length > 1 ? "." + digits[1..] : string.Empty;
            return $"{sign}{digits[0]}{rest}e{(decimalExponent < 0 ? '-' : '+')}{Math.Abs(decimalExponent):00}";
        }

        if (point <= 0)
        {
            return $"{sign}0.{new string('0', -point)}{digits}";
        }

        return point >= digits.Length
            ? $"{sign}{digits}{new string('0', point - digits.Length)}.0"
            : $"{sign}{digits[..point]}.{digits[point..]}";
    }
}
