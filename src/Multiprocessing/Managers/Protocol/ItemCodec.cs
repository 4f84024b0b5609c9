using Multiprocessing.Codec;

namespace Multiprocessing.Managers;

/// <summary>Encodes the keys and values a proxy sends to a manager, and decodes what comes back.</summary>
/// <typeparam name="T">The declared type.</typeparam>
internal static class ItemCodec<T>
{
    /// <summary>Writes <paramref name="value"/>'s encoding.</summary>
    /// <exception cref="ArgumentException">The value cannot be encoded.</exception>
    public static void Write(WireBuffer output, T value, string paramName)
    {
        try
        {
            WireCodec.Serialize(output, value);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw WireCodec.EncodeFailure("a value for the manager", paramName, typeof(T), e);
        }
    }

    /// <summary>Writes <paramref name="value"/>'s encoding with a length prefix.</summary>
    /// <exception cref="ArgumentException">The value cannot be encoded.</exception>
    public static void WriteFramed(WireBuffer output, T value, string paramName)
    {
        int start = output.BeginFrame();
        Write(output, value, paramName);
        output.EndFrame(start);
    }

    /// <summary>Decodes a <typeparamref name="T"/>.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a <typeparamref name="T"/>.</exception>
    public static T Read(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return WireCodec.Deserialize<T>(bytes);
        }
        catch (Exception e) when (WireCodec.IsDecodeFailure(e))
        {
            throw WireCodec.DecodeFailure($"A value from the manager could not be decoded as {TypeNames.Display(typeof(T))}", e);
        }
    }
}
