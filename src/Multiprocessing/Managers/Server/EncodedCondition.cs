namespace Multiprocessing.Managers;

/// <summary>
/// A manager's condition variable over one of its locks. Ownership is per connection: a client waits or notifies
/// only while it holds the lock through the condition's proxy. Waiters are woken first come, first served; a
/// waiter whose client goes away is dropped (a notification it had not acted on passes to the next waiter). A
/// waiter whose time runs out leaves the line only once it holds the lock again (as in Python), and a notification
/// that reaches it meanwhile is its own: its wait returns true.
/// </summary>
internal sealed class EncodedCondition(EncodedLock lk) : IManagedObject
{
    private readonly object gate = new();
    private readonly AsyncPulse pulse = new();
    private readonly LinkedList<Waiter> waiters = new();

    public ValueTask Serve(ManagerOp op, ref WireReader args, WireBuffer reply, ManagerSession session)
    {
        switch (op)
        {
            case ManagerOp.LockAcquire:
            case ManagerOp.LockRelease:
                return lk.Serve(op, ref args, reply, session);
            case ManagerOp.ConditionWait:
                return Wait(args.ReadInt64(), reply, session);
            case ManagerOp.ConditionNotify:
                {
                    int n = args.ReadInt32();
                    if (!lk.IsHeldBy(session))
                    {
                        throw new SynchronizationLockException("The condition's lock is not held through this proxy: acquire it (through the condition) before notifying.");
                    }

                    lock (gate)
                    {
                        NotifyLocked(n);
                    }

                    break;
                }

            default:
                throw new InvalidOperationException($"A condition has no operation {op}.");
        }

        return default;
    }

    private ValueTask Wait(long ms, WireBuffer reply, ManagerSession session)
    {
        if (!lk.IsHeldBy(session))
        {
            throw new SynchronizationLockException("The condition's lock is not held through this proxy: acquire it (through the condition) before waiting.");
        }

        // Queued before the lock is released, so a notification sent by whoever takes the lock next finds it.
        var waiter = new Waiter();
        LinkedListNode<Waiter> node;
        lock (gate)
        {
            node = waiters.AddLast(waiter);
        }

        int depth;
        try
        {
            depth = lk.ReleaseForWait(session);
        }
        catch
        {
            lock (gate)
            {
                waiters.Remove(node);
            }

            throw;
        }

        return WaitNotifiedAsync(waiter, node, depth, ms, reply, session);
    }

    private async ValueTask WaitNotifiedAsync(Waiter waiter, LinkedListNode<Waiter> node, int depth, long ms, WireBuffer reply, ManagerSession session)
    {
        WaitOutcome outcome = await SessionWait.UntilAsync(gate, pulse, () => waiter.Notified, ms, session).ConfigureAwait(false);
        lock (gate)
        {
            // Looked at again under the lock: a notification may have reached the waiter since its wait ended.
            if (waiter.Notified)
            {
                if (outcome == WaitOutcome.ClientGone || session.ClientGone)
                {
                    NotifyLocked(1); // woken but never to act on it: the next waiter has it instead
                    outcome = WaitOutcome.ClientGone;
                }
            }
            else if (outcome == WaitOutcome.ClientGone)
            {
                waiters.Remove(node);
            }
        }

        if (outcome == WaitOutcome.ClientGone)
        {
            throw new OperationCanceledException("The waiting client is gone.");
        }

        // A waiter whose time ran out stays in the line until it holds the lock again, as in Python's wait: a
        // notifier holds the lock, so it can only notify in the meantime, and that notification is this waiter's
        // (true), not lost. A proxy that waits in slices (async, or with a token) times out every 100 ms; the
        // notifier that took the lock during a slice and notified after its end used to find nobody waiting.
        int acquisition = await lk.ReacquireAfterWaitAsync(session, depth).ConfigureAwait(false);
        bool notified;
        lock (gate)
        {
            notified = waiter.Notified;
            if (!notified)
            {
                waiters.Remove(node);
            }
            else if (acquisition < 0)
            {
                NotifyLocked(1); // gone before it could act on it: the next waiter has it instead
            }
        }

        if (acquisition < 0)
        {
            throw new OperationCanceledException("The waiting client is gone.");
        }

        reply.WriteBool(notified);
        reply.WriteInt32(acquisition);
    }

    /// <summary>Wakes the first <paramref name="n"/> waiters (holding <see cref="gate"/>).</summary>
    private void NotifyLocked(int n)
    {
        bool any = false;
        while (n-- > 0 && waiters.First is { } first)
        {
            first.Value.Notified = true;
            waiters.RemoveFirst();
            any = true;
        }

        if (any)
        {
            pulse.PulseAll();
        }
    }

    private sealed class Waiter
    {
        public bool Notified { get; set; }
    }
}
