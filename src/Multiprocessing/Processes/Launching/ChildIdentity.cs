namespace Multiprocessing.Processes;

/// <summary>What a child needs to know about itself before it runs its target; <paramref name="ForwardLogs"/>: whether to send its log records to the parent.</summary>
internal sealed record ChildIdentity(string Name, bool Daemon, int ParentPid, bool ForwardLogs = false);
