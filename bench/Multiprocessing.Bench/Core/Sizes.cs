namespace Multiprocessing.Bench.Core;

/// <summary>Workload sizes: the full size, or with <c>--quick</c> a tenth of it (minimum 1), as in the Python script.</summary>
internal readonly record struct Sizes(bool Quick)
{
    public int Of(int full) => Quick ? Math.Max(1, full / 10) : full;
}
