namespace Multiprocessing.Bench.Core;

/// <summary>A workload's id (<c>w1</c>) and name (<c>process_start</c>), as in the Python script, and its implementation, if any yet.</summary>
internal sealed record WorkloadSpec(string Id, string Name, IWorkload? Implementation)
{
    public bool IsImplemented => Implementation is not null;

    public override string ToString() => $"{Id} {Name}";
}
