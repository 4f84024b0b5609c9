namespace Multiprocessing.Bench.Core;

/// <summary>A run failed (a workload's check, a missing file, CPython); the bench prints the message and exits with code 1.</summary>
internal sealed class BenchException : Exception
{
    public BenchException(string message)
        : base(message)
    {
    }

    public BenchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
