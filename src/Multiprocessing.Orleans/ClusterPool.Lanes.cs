using Multiprocessing.Clustering;
using Multiprocessing.Codec;
using Multiprocessing.Diagnostics;
using Multiprocessing.Pools;

namespace Multiprocessing;

public sealed partial class ClusterPool
{
    private protected override Task<TResult> RunAsync<TResult>(WorkItem<TResult> item, CancellationToken cancellationToken)
    {
        PoolFunction function = functions.For(item.Function);
        ProcessTask<TResult> task = ProcessTasks.Single(Interlocked.Increment(ref nextTaskId), function, item, TaskTimeout, cancellationToken);
        Enqueue(new ClusterTask(task, function, cancellationToken));
        return task.Task;
    }

    private protected override Task<TResult[]> RunChunkAsync<TArgs, TResult>(ChunkItem<TArgs, TResult> chunk, CancellationToken cancellationToken)
    {
        PoolFunction function = functions.For(chunk.Function);
        ProcessTask task = ProcessTasks.Chunk(Interlocked.Increment(ref nextTaskId), function, chunk, cancellationToken, out Task<TResult[]> result);
        Enqueue(new ClusterTask(task, function, cancellationToken));
        return result;
    }

    /// <inheritdoc/>
    private protected override bool TakesChunkItemsAtSubmission => true;

    /// <inheritdoc/>
    internal override bool EncodesDelegates => true;

    private protected override void OnClose() => queue.Writer.TryComplete(); // The lanes run what is queued, then end.

    private protected override void OnTerminate()
    {
        queue.Writer.TryComplete();
        terminating.Cancel(); // Each lane fails the task it runs.
        var dropped = new List<ClusterTask>();
        while (queue.Reader.TryRead(out ClusterTask? t))
        {
            if (t.TryDrop())
            {
                dropped.Add(t);
            }
        }

        if (dropped.Count > 0)
        {
            CountDropped(dropped.Count);
        }

        foreach (ClusterTask t in dropped)
        {
            t.Task.Fail(StopException());
        }
    }

    private void Enqueue(ClusterTask task)
    {
        if (State is PoolState.Terminated or PoolState.Broken || !queue.Writer.TryWrite(task))
        {
            throw NotAcceptingException(); // Closed meanwhile: the base undoes its count.
        }

        if (task.Token.CanBeCanceled)
        {
            task.Task.Cancellation = task.Token.UnsafeRegister(
                static (state, token) =>
                {
                    var (pool, t) = ((ClusterPool, ClusterTask))state!;
                    if (t.TryDrop())
                    {
                        pool.CountDropped();
                        t.Task.Cancel(token);
                    }

                    // Else a lane runs it: the lane stops waiting for it (its wait is linked to the token).
                },
                (this, task));
        }
    }

    /// <inheritdoc/>
    /// <remarks>A cluster pool's workers are its lanes (calls kept in flight), not processes: <see cref="PoolWorkerInfo.Pid"/>, <see cref="PoolWorkerInfo.CurrentTaskId"/> and <see cref="PoolWorkerInfo.CurrentTaskElapsed"/> are null, <see cref="PoolWorkerInfo.Restarts"/> 0; the silos' process ids are in <see cref="SiloProcessIds"/>.</remarks>
    public override IReadOnlyList<PoolWorkerInfo> GetWorkers()
    {
        var infos = new List<PoolWorkerInfo>(lanes.Length);
        for (int i = 0; i < lanes.Length; i++)
        {
            if (lanes[i].Ended)
            {
                continue;
            }

            WorkerTally tally = lanes[i].Tally;
            PoolWorkerState state = tally.IsIdle ? PoolWorkerState.Idle : PoolWorkerState.Busy;
            infos.Add(new PoolWorkerInfo(i, $"{Name}-Lane-{i}", null, state, null, null, tally.SucceededCount + tally.FailedCount, 0, null));
        }

        return infos;
    }

    /// <summary>One of <see cref="WorkerPool.WorkerCount"/> loops that each keep up to <see cref="ClusterPoolOptions.CallsPerLane"/> calls in flight: take a queued task, send its call, take the next without waiting for the answer; each call completes its own task.</summary>
    /// <param name="lane">The lane. Its number is also the key of the grain it calls (stateless workers: a key per lane spreads the calls over the client's gateways). An Orleans client sends every call to one grain through the gateway it first chose for it; so when the client's gateways change, each lane takes a new key (<see cref="gatewayEpoch"/>), and its calls a gateway among the silos there are now.</param>
    private async Task Lane(ClusterLane lane)
    {
        await Task.Yield(); // The constructor starts every lane without running any.
        try
        {
            int epoch = Volatile.Read(ref gatewayEpoch);
            IPoolWorkerGrain grain = client.GetGrain<IPoolWorkerGrain>(lane.Index + ((long)epoch * lanes.Length));
            while (await queue.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                await lane.WaitForRoomAsync().ConfigureAwait(false);
                if (!queue.Reader.TryRead(out ClusterTask? task) || !task.TryStart())
                {
                    lane.GiveBackRoom(); // Another lane took it, or it was cancelled while queued.
                    continue;
                }

                if (Volatile.Read(ref gatewayEpoch) != epoch)
                {
                    // The gateways changed: a new key, so that Orleans picks this lane's gateway again among them all.
                    epoch = Volatile.Read(ref gatewayEpoch);
                    grain = client.GetGrain<IPoolWorkerGrain>(lane.Index + ((long)epoch * lanes.Length));
                }

                lane.Start(task.Task);
                _ = RunTask(lane, grain, task); // Completes its task whatever happens, then frees its room.
            }

            await lane.DrainAsync().ConfigureAwait(false);
            lane.Dispose();
        }
        finally
        {
            lane.Ended = true;
            RetireWorker(lane.Tally);
            if (Interlocked.Decrement(ref lanesLeft) == 0)
            {
                _ = Task.Run(Shutdown);
            }
        }
    }

    /// <summary>Runs one task to its end: calls (again, after a lost call), then completes it once, counted once.</summary>
    private async Task RunTask(ClusterLane lane, IPoolWorkerGrain grain, ClusterTask task)
    {
        try
        {
            await RunCalls(grain, task, lane).ConfigureAwait(false);
        }
        finally
        {
            lane.Finish();
        }
    }

    /// <summary>The calls of one task: the first, and those sent again after a lost one, until one is answered or the task ends otherwise.</summary>
    private async Task RunCalls(IPoolWorkerGrain grain, ClusterTask task, ClusterLane lane)
    {
        ProcessTask work = task.Task;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(task.Token, terminating.Token);
        if (work.Timeout != Timeout.InfiniteTimeSpan)
        {
            limit.CancelAfter(work.Timeout);
        }

        for (int attempt = 0; ; attempt++)
        {
            try
            {
                if (attempt > 0)
                {
                    // Back off while the cluster evicts the lost silo: 0.1 s, 0.2 s, 0.4 s... at most 3.2 s.
                    await Task.Delay(TimeSpan.FromMilliseconds(100 << Math.Min(attempt - 1, 5)), limit.Token).ConfigureAwait(false);
                }

                PoolReply reply = await Call(grain, task, limit.Token).ConfigureAwait(false);
                lock (lane.Gate)
                {
                    Complete(work, reply, lane.Tally);
                }

                return;
            }
            catch (OperationCanceledException) when (limit.IsCancellationRequested)
            {
                if (terminating.IsCancellationRequested)
                {
                    Exception stop = StopException();
                    CountStoppedByPool(work.StartedAt, TaskOutcome.Failed, stop);
                    work.Fail(stop);
                }
                else if (task.Token.IsCancellationRequested)
                {
                    CountStoppedByPool(work.StartedAt, TaskOutcome.Cancelled, null);
                    work.Cancel(task.Token);
                }
                else
                {
                    var timedOut = new TimeoutException($"A task of the pool {Name} ran longer than its timeout of {work.Timeout}; its silo runs it to its end, and its result is dropped.");
                    CountStoppedByPool(work.StartedAt, TaskOutcome.TimedOut, timedOut);
                    work.Fail(timedOut);
                }

                return;
            }
            catch (Exception e) when (!atMostOnce && attempt < maxRetries)
            {
                // No answer (the silo died, the connection dropped, the response timed out): send it again.
                _ = e;
                Interlocked.Increment(ref retries);
            }
            catch (Exception e)
            {
                lock (lane.Gate)
                {
                    lane.Tally.Failed(work.StartedAt, TaskOutcome.Failed, e);
                }

                work.Fail(e);
                return;
            }
        }
    }

    /// <summary>
    /// One call of a task: sent, then awaited for as long as its silo says, at least every third of the response
    /// timeout, that it holds it; a call quiet for the whole response timeout is taken for lost (its silo died, or
    /// the connection dropped) and fails with a <see cref="TimeoutException"/>, so that it is sent again.
    /// </summary>
    private async Task<PoolReply> Call(IPoolWorkerGrain grain, ClusterTask task, CancellationToken limit)
    {
        long callId = keepAlive.Begin();
        int keepAliveMs = (int)Math.Max(1, responseTimeout.TotalMilliseconds / 3);
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(limit);
        Task<PoolReply> call = grain.Run(task.Function.Payload, task.Task.Frame, keepAliveReference, callId, keepAliveMs, giveUp.Token);
        try
        {
            while (true)
            {
                TimeSpan left = responseTimeout - keepAlive.Quiet(callId);
                if (left <= TimeSpan.Zero)
                {
                    await giveUp.CancelAsync().ConfigureAwait(false); // Orleans forgets the call.
                    throw new TimeoutException($"The silo of a call of the pool {Name} sent no word for {responseTimeout.TotalSeconds:0.#} s: taken for lost.");
                }

                try
                {
                    return await call.WaitAsync(left, limit).ConfigureAwait(false);
                }
                catch (TimeoutException) when (!call.IsCompleted)
                {
                    // Look again: a keep-alive may have come meanwhile.
                }
            }
        }
        finally
        {
            keepAlive.End(callId); // A later keep-alive of this call is answered "stop".
        }
    }

    /// <summary>Completes a task with a silo's result frame, as a process pool completes it with its worker's.</summary>
    internal static void Complete(ProcessTask work, PoolReply reply, WorkerTally tally)
    {
        ReadOnlyMemory<byte> payload = reply.Frame.AsMemory(ProcessWire.ResultHeader);
        if (reply.Frame[0] == ProcessWire.Ok)
        {
            work.Succeed(payload, tally); // Counts it completed, or failed if its result cannot be decoded.
            return;
        }

        var info = WireCodec.Deserialize<RemoteExceptionInfo>(payload);
        var remote = new RemoteException(info, reply.Silo, reply.ProcessId);
        Exception error = info.TypeName == typeof(VersionMismatchException).FullName
            ? new VersionMismatchException($"The silo {reply.Silo} (pid {reply.ProcessId}) does not run the same build as this process: {info.Message}", remote)
            : remote;
        tally.Failed(work.StartedAt, TaskOutcome.Failed, error);
        work.Fail(error);
    }

    /// <summary>Every lane has ended: disconnects, stops the local silos, and lets Join return.</summary>
    private async Task Shutdown()
    {
        try
        {
            using var grace = new CancellationTokenSource(LocalCluster.StopGrace);
            await clientHost.StopAsync(grace.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or Orleans.Runtime.OrleansException)
        {
            // The cluster may be gone already; the client is disposed below either way.
        }
        finally
        {
            clientHost.Dispose();
            cluster?.Dispose();
            terminating.Dispose();
            SignalStopped();
        }
    }
}
