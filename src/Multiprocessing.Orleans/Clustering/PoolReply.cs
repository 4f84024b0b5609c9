namespace Multiprocessing.Clustering;

/// <summary>What a silo sends back for a task: the result frame, as a process pool's worker writes it, and which process ran it.</summary>
[GenerateSerializer]
[Immutable]
internal sealed class PoolReply
{
    /// <summary>The result frame: kind (Ok or Error), task id, flags, then the encoded result or exception.</summary>
    [Id(0)]
    public byte[] Frame { get; init; } = [];

    /// <summary>The silo's process id.</summary>
    [Id(1)]
    public int ProcessId { get; init; }

    /// <summary>The silo's address, for error messages.</summary>
    [Id(2)]
    public string Silo { get; init; } = string.Empty;
}
