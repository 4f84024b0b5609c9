using MessagePack;
using MessagePack.Formatters;

namespace Multiprocessing.Codec;

/// <summary>
/// Encodes a <see cref="DateTime"/> exactly as it is, <see cref="DateTime.Ticks"/> and <see cref="DateTime.Kind"/>,
/// in one 64-bit integer (the kind in the top two bits, as <see cref="DateTime.ToBinary"/> does for UTC values):
/// the receiver gets an identical value, whatever its time zone, as pickle keeps a datetime's wall-clock time.
/// </summary>
internal sealed class ExactDateTimeFormatter : IMessagePackFormatter<DateTime>
{
    public static readonly ExactDateTimeFormatter Instance = new();

    private const int KindShift = 62;
    private const ulong TicksMask = (1UL << KindShift) - 1;

    public void Serialize(ref MessagePackWriter writer, DateTime value, MessagePackSerializerOptions options) =>
        writer.Write((ulong)value.Ticks | ((ulong)value.Kind << KindShift));

    public DateTime Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        ulong data = reader.ReadUInt64();
        long ticks = (long)(data & TicksMask);
        var kind = (DateTimeKind)(data >> KindShift);
        if (ticks > DateTime.MaxValue.Ticks || kind > DateTimeKind.Local)
        {
            throw new MessagePackSerializationException($"0x{data:X16} is not an encoded DateTime.");
        }

        return new DateTime(ticks, kind);
    }
}
