namespace Multiprocessing.Processes;

/// <summary>Descriptors of a freshly spawned child, owned by the caller.</summary>
internal readonly record struct SpawnedChild(int Pid, int Pidfd, int Control, int Stdout, int Stderr);
