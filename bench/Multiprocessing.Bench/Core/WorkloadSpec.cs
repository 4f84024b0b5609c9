namespace Multiprocessing.Bench.Core;

/// <summary>
/// A workload's id (<c>w1</c>) and name (<c>process_start</c>), as in the Python script, and its implementation, if
/// any yet; <paramref name="InPython"/> is false for the workloads the script does not have (W12, W13), which
/// <c>--compare-python</c> never asks it for.
/// </summary>
internal sealed record WorkloadSpec(string Id, string Name, IWorkload? Implementation, bool InPython = true)
{
    public bool IsImplemented => Implementation is not null;

    public override string ToString() => $"{Id} {Name}";
}
