using Multiprocessing.Diagnostics;
using Multiprocessing.Pools;

namespace Multiprocessing;

/// <summary>The pool's side of its metrics (see <see cref="PoolMetrics"/> and docs/telemetry.md).</summary>
public abstract partial class WorkerPool
{
    /// <summary>What the pool records in the <c>Multiprocessing</c> meter.</summary>
    internal PoolMetrics Metrics { get; }

    /// <summary>How many of the pool's workers are starting (not yet ready for a task), idle, and busy; read by the observable <c>multiprocessing.pool.worker.count</c>.</summary>
    /// <returns>The three counts, which add up to <see cref="PoolCounters.WorkersAlive"/>.</returns>
    internal (int Starting, int Idle, int Busy) WorkerStates()
    {
        int starting = 0, idle = 0, busy = 0;
        lock (tallyGate)
        {
            foreach (WorkerTally t in liveTallies)
            {
                if (!t.IsReady)
                {
                    starting++;
                }
                else if (t.IsIdle)
                {
                    idle++;
                }
                else
                {
                    busy++;
                }
            }
        }

        return (starting, idle, busy);
    }
}
