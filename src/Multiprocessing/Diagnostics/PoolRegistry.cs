namespace Multiprocessing.Diagnostics;

/// <summary>The pools of this process, weakly (see <see cref="LiveObjects.Pools"/>); a pool adds itself when it is created.</summary>
internal static class PoolRegistry
{
    public static WeakList<WorkerPool> Pools { get; } = new(static p => !p.HasStopped);
}
