namespace Multiprocessing.Bench.Core;

/// <summary>The command line is wrong; the bench exits with code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
