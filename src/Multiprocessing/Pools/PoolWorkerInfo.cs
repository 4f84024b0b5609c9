namespace Multiprocessing;

/// <summary>A snapshot of one worker of a pool (see <see cref="WorkerPool.GetWorkers"/>), for dashboards and diagnostics.</summary>
/// <remarks>Read while the pool runs: it describes the worker as it was a moment ago. Do not decide what to do next from it.</remarks>
/// <param name="Slot">The worker's place in the pool, 0 to <see cref="WorkerPool.WorkerCount"/> - 1 for a process pool; a thread pool numbers its threads in their order of start.</param>
/// <param name="Name">The worker's name (its process's or its thread's).</param>
/// <param name="Pid">The worker's process id; null for a <see cref="ThreadWorkerPool"/>'s worker (a thread of this process).</param>
/// <param name="State">What it is doing.</param>
/// <param name="CurrentTaskId">The pool's id of the task it runs, or null if it runs none (see <see cref="PoolTaskRecord.TaskId"/>).</param>
/// <param name="CurrentTaskElapsed">How long the task it runs has run, or null.</param>
/// <param name="TasksDone">Tasks it has ended, with a result or not.</param>
/// <param name="Restarts">How many workers this slot had before this one (a process pool replaces a worker that died, was killed, timed out or reached its limits); 0 for a thread pool.</param>
/// <param name="LastExitCode">How the slot's previous worker process ended: its exit code, or <c>-N</c> for signal N (as <see cref="ChildProcess.ExitCode"/>); null if none ended yet.</param>
public sealed record PoolWorkerInfo(
    int Slot,
    string Name,
    int? Pid,
    PoolWorkerState State,
    long? CurrentTaskId,
    TimeSpan? CurrentTaskElapsed,
    long TasksDone,
    int Restarts,
    int? LastExitCode);
