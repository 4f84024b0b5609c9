namespace Multiprocessing.Codec;

/// <summary>Depth guard shared by every <see cref="FieldwiseFormatter{T}"/>, so that a cycle fails instead of overflowing the stack.</summary>
internal static class FieldwiseDepth
{
    public const int Max = 200;

    [ThreadStatic]
    private static int depth;

    public static void Enter()
    {
        if (++depth > Max)
        {
            depth--; // The frames below unwind through their finally blocks, each calling Exit: back to 0.
            throw new CodecException($"the object graph is deeper than {Max} levels or contains a cycle; only trees of values can cross");
        }
    }

    public static void Exit() => depth--;
}
