namespace Multiprocessing.Processes;

/// <summary>What a child needs to know about itself before it runs its target.</summary>
internal sealed record ChildIdentity(string Name, bool Daemon, int ParentPid);
