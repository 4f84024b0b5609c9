using System.Buffers.Binary;
using Multiprocessing.Codec;
using Multiprocessing.Connections;
using Multiprocessing.Diagnostics;
using Multiprocessing.Pools;

namespace Multiprocessing;

public sealed partial class ProcessPool
{
    /// <summary>Starts the worker of slot <paramref name="slot"/> (pool lock).</summary>
    private ProcessWorker StartWorker(int slot)
    {
        (PipeConnection mine, PipeConnection theirs) = PipeConnection.Create(duplex: true, capacity: 1 << 20);
        TaskClaims? claims = null;
        ChildProcess child;
        try
        {
            claims = TaskClaims.Create();
            Diagnostics.Tracing.BeginPoolWorkerStart();
            try
            {
                child = ChildProcess.Start(
                    ProcessPoolWorker.Serve,
                    theirs,
                    initializer,
                    MaxMemoryPerWorker,
                    claims.Memory,
                    new ChildProcessOptions { Name = $"{Name}-Worker-{Interlocked.Increment(ref workerNumber)}", Daemon = true, LoggerFactory = loggerFactory, MeterFactory = Metrics.Factory, Environment = workerEnvironment });
            }
            finally
            {
                Diagnostics.Tracing.EndPoolWorkerStart();
            }
        }
        catch
        {
            mine.Dispose();
            theirs.Dispose();
            claims?.Dispose();
            throw;
        }

        theirs.Dispose();
        var worker = new ProcessWorker(slot, child, mine, claims, AddWorker());
        worker.Tally.IsIdle = true;
        _ = child.WaitForExitAsync().ContinueWith(static (_, w) => ((ProcessWorker)w!).Exited.Cancel(), worker, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        new Thread(() => ReadResults(worker)) { IsBackground = true, Name = $"{child.Name} results" }.UnsafeStart();
        return worker;
    }

    /// <summary>The reader thread of one worker: results until the worker is gone, then what its end means.</summary>
    private void ReadResults(ProcessWorker worker)
    {
        try
        {
            while (true)
            {
                ParkWhileCallersRead(worker);
                using Lock.Scope role = worker.ReadRole.EnterScope();
                ReadOnlyMemory<byte> frame;
                try
                {
                    frame = worker.End.ReceiveFrame(worker.Exited.Token); // Reused buffer: each result is decoded before the next receive.
                }
                catch (OperationCanceledException)
                {
                    // The child exited: take what it sent before it did.
                    while (worker.End.Poll(TimeSpan.Zero))
                    {
                        OnResult(worker, worker.End.ReceiveFrame());
                    }

                    break;
                }

                OnResult(worker, frame);
            }
        }
        catch (EndOfStreamException)
        {
            // The worker closed its end: it exited (or is exiting).
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            worker.Child.KillIfRunning(); // A worker that speaks nonsense is replaced.
        }

        OnWorkerGone(worker);
    }

    /// <summary>
    /// Sleeps while every task in flight on <paramref name="worker"/> has its caller reading (see
    /// <see cref="ProcessTask.CallerReads"/>): a sequence of <c>Apply</c> calls then never wakes this thread. Returns
    /// when a task needs it (<see cref="ProcessWorker.WakeReader"/>) or the worker has exited.
    /// </summary>
    private void ParkWhileCallersRead(ProcessWorker worker)
    {
        if (!callersRead)
        {
            return;
        }

        while (true)
        {
            lock (gate)
            {
                if (!worker.CallersReadAll())
                {
                    return;
                }

                worker.ReaderParked = true;
            }

            try
            {
                worker.ReaderWake.Wait(worker.Exited.Token);
            }
            catch (OperationCanceledException)
            {
                lock (gate)
                {
                    worker.ReaderParked = false;
                }

                return; // Exited: read what it sent, then see it gone.
            }
        }
    }

    private void OnResult(ProcessWorker worker, ReadOnlyMemory<byte> frame)
    {
        ReadOnlySpan<byte> result = frame.Span;
        byte kind = result[0];
        long id = BinaryPrimitives.ReadInt64LittleEndian(result[1..]);
        bool retire = (result[9] & ProcessWire.RetireFlag) != 0;
        ReadOnlyMemory<byte> payload = frame[ProcessWire.ResultHeader..];
        if (kind == ProcessWire.InitFailed)
        {
            var info = WireCodec.Deserialize<RemoteExceptionInfo>(payload);
            BreakPool(new RemoteException(info, worker.Child.Name, worker.Child.Pid));
            return;
        }

        if (kind == ProcessWire.Ready)
        {
            lock (gate)
            {
                worker.Ready = true;
                worker.Tally.IsReady = true;
                deathsBeforeReady = 0;
                if (worker.InFlight.Count > 0)
                {
                    BeginRunning(worker, worker.InFlight[0]); // Its timeout counts from now, not from when the worker was started.
                }
            }

            Pump(); // Idle, it may take tasks that another worker holds.
            return;
        }

        ProcessTask task;
        bool closing = false;
        lock (gate)
        {
            if (worker.InFlight.Count == 0 || worker.InFlight[0].Id != id)
            {
                return; // Terminated meanwhile: its task has already failed.
            }

            task = worker.InFlight[0];
            worker.InFlight.RemoveAt(0);
            worker.Done++;
            worker.AverageTaskTicks = (0.8 * worker.AverageTaskTicks) + (0.2 * ProcessWire.ReadRunTime(result));
            if (retire || (MaxTasksPerWorker > 0 && worker.Done >= MaxTasksPerWorker))
            {
                worker.Retiring = true;
            }

            if (worker.InFlight.Count > 0)
            {
                BeginRunning(worker, worker.InFlight[0]);
            }
            else
            {
                worker.Tally.IsIdle = true;
                if (worker.Retiring && !worker.EndClosed)
                {
                    worker.EndClosed = true;
                    worker.PostClose();
                    closing = true;
                }
            }
        }

        if (closing)
        {
            worker.Flush();
        }

        if (kind == ProcessWire.Ok)
        {
            RecordTask(task.Id, worker.Child.Name, worker.Child.Pid, task.StartedAt, PoolTaskOutcome.Succeeded, null);
            task.Succeed(payload, worker.Tally); // counts it as completed, or failed if cancelled meanwhile or undecodable
        }
        else
        {
            var info = WireCodec.Deserialize<RemoteExceptionInfo>(payload);
            var remote = new RemoteException(info, worker.Child.Name, worker.Child.Pid);
            worker.Tally.Failed(task.StartedAt, TaskOutcome.Failed, remote);
            Diagnostics.Log.TaskFailed(logger, Name, remote.RemoteType, worker.Child.Name, worker.Child.Pid, remote);
            RecordTask(task.Id, worker.Child.Name, worker.Child.Pid, task.StartedAt, PoolTaskOutcome.Failed, remote);
            task.Fail(remote);
        }

        Pump();
    }

    /// <summary>The worker is gone: fail the task it ran, give the rest back to the queue, put a new worker in its place.</summary>
    private void OnWorkerGone(ProcessWorker worker)
    {
        worker.Child.Join();
        int exitCode = worker.Child.ExitCode ?? -1;
        ProcessTask? running = null;
        ProcessTask? cancelledBeforeStart = null;
        bool replace;
        Exception? cannotReplace = null;
        Exception? diesBeforeReady = null;
        ProcessWorker? replacement = null;
        lock (gate)
        {
            worker.Gone = true;
            ProcessTask? head = worker.InFlight.Count > 0 ? worker.InFlight[0] : null;
            if (head is { Running: true })
            {
                running = head;
                worker.InFlight.RemoveAt(0);
            }
            else if (head is { CancelRequested: true })
            {
                cancelledBeforeStart = head;
                worker.InFlight.RemoveAt(0);
            }

            // The tasks that never started (all of them, if the worker died before it was ready): first in line
            // again, in their order.
            for (int i = worker.InFlight.Count - 1; i >= 0; i--)
            {
                ProcessTask t = worker.InFlight[i];
                t.Worker = null;
                t.CallerReads = false; // Its caller read this worker's pipe: the next worker's reader reads for it.
                queued.AddFirst(t);
            }

            worker.InFlight.Clear();
            slots[worker.Slot] = null;
            NoteWorkerGone(worker.Slot, exitCode);
            if (!worker.Ready && ++deathsBeforeReady >= MaxDeathsBeforeReady)
            {
                // Its tasks would go from one dying worker to the next for ever.
                failedToStart = true;
                diesBeforeReady = new WorkerFailure(
                    $"{deathsBeforeReady} workers in a row died before they were ready (the last, {worker}, with exit code {exitCode}): the pool is broken. Its last lines of stderr: {worker.Child.StderrTail()}");
            }

            replace = !failedToStart && (State == PoolState.Open || (State == PoolState.Closed && queued.Count > 0));
            if (replace)
            {
                try
                {
                    slots[worker.Slot] = replacement = StartWorker(worker.Slot);
                }
                catch (Exception e) when (e is IOException or PlatformNotSupportedException or InvalidOperationException or System.ComponentModel.Win32Exception)
                {
                    cannotReplace = e; // The system refused a new process: the pool cannot keep its promise.
                }
            }
        }

        Exception? failure = null;
        if (running is not null)
        {
            if (running.TimedOut)
            {
                failure = new TimeoutException($"The task ran longer than its timeout of {running.Timeout}; its worker {worker} was killed and replaced.");
                CountStoppedByPool(running.StartedAt, TaskOutcome.TimedOut, failure);
            }
            else if (running.CancelRequested)
            {
                failure = new OperationCanceledException();
                CountStoppedByPool(running.StartedAt, TaskOutcome.Cancelled, null);
            }
            else
            {
                failure = new ProcessDiedException(worker.Child.Name, worker.Child.Pid, exitCode, worker.Child.StderrTail());
                worker.Tally.Failed(running.StartedAt, TaskOutcome.Failed, failure);
            }
        }

        Metrics.ProcessWorkerExited(State, running?.TimedOut ?? false, running?.CancelRequested ?? false, worker.Retiring, exitCode);

        LogWorkerGone(worker, exitCode, running, replacement, cannotReplace);
        RetireWorker(worker.Tally);
        worker.Dispose();
        worker.Child.Dispose();
        if (running is not null)
        {
            PoolTaskOutcome outcome = running.TimedOut ? PoolTaskOutcome.TimedOut : running.CancelRequested ? PoolTaskOutcome.Cancelled : PoolTaskOutcome.WorkerDied;
            RecordTask(running.Id, worker.Child.Name, worker.Child.Pid, running.StartedAt, outcome, failure);
            running.Fail(failure!);
        }

        if (cancelledBeforeStart is not null)
        {
            CountDropped();
            cancelledBeforeStart.Fail(new OperationCanceledException()); // Completes as cancelled (its CancelRequested is set).
        }

        if (diesBeforeReady is not null)
        {
            BreakPool(diesBeforeReady);
        }

        if (cannotReplace is not null)
        {
            BreakPool(new WorkerFailure($"A new worker could not be started in place of {worker}: {cannotReplace.Message}", cannotReplace));
        }

        Pump();
        CheckStopped();
    }
}
