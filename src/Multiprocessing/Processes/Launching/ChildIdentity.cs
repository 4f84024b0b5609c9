namespace Multiprocessing.Processes;

/// <summary>What a child needs to know about itself before it runs its target.</summary>
/// <param name="Name">The child's name.</param>
/// <param name="Daemon">Whether it is a daemon.</param>
/// <param name="ParentPid">The parent's pid.</param>
/// <param name="TraceContext">The caller's W3C trace context (<see cref="Diagnostics.TraceContextWire"/>), or null when there was none to carry.</param>
internal sealed record ChildIdentity(string Name, bool Daemon, int ParentPid, byte[]? TraceContext = null);
