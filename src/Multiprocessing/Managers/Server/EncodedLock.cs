namespace Multiprocessing.Managers;

/// <summary>A manager's lock: one holder at a time, released by any client (as Python's), abandoned when its holder's connection ends.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "Lives as long as the manager process; the slim primitive holds no kernel handle unless its wait handle is asked for, which it never is.")]
internal sealed class EncodedLock(bool reentrant) : IManagedObject
{
    private readonly SemaphoreSlim permit = new(1, 1);
    private readonly Lock gate = new();
    private ManagerSession? holder;
    private bool abandoned;
    private int generation;
    private int depth;

    public ValueTask Serve(ManagerOp op, ref WireReader args, WireBuffer reply, ManagerSession session)
    {
        switch (op)
        {
            case ManagerOp.LockAcquire:
                {
                    long ms = args.ReadInt64();
                    lock (gate)
                    {
                        if (reentrant && ReferenceEquals(holder, session))
                        {
                            depth++;
                            reply.WriteByte(1);
                            reply.WriteByte(0);
                            reply.WriteInt32(generation);
                            break;
                        }
                    }

                    ValueTask<bool> taking = SessionWait.TakeForClientAsync(permit, ms, session);
                    if (!taking.IsCompleted)
                    {
                        return AcquireAsync(taking, reply, session);
                    }

                    Acquired(taking.Result, reply, session);
                    break;
                }

            case ManagerOp.LockRelease:
                {
                    // A handle releases its own acquisition only (a later one is not its to release); Release() any.
                    bool any = args.ReadBool();
                    int acquisition = args.ReadInt32();
                    ManagerSession owner;
                    lock (gate)
                    {
                        if (!any && (holder is null || acquisition != generation))
                        {
                            break;
                        }

                        owner = holder ?? throw new SynchronizationLockException("The managed lock is not held.");
                        if (reentrant && !ReferenceEquals(owner, session))
                        {
                            throw new SynchronizationLockException("A re-entrant managed lock can only be released by the proxy (connection) that holds it.");
                        }

                        if (reentrant && --depth > 0)
                        {
                            break;
                        }

                        holder = null;
                    }

                    owner.Forget(this);
                    permit.Release();
                    break;
                }

            case ManagerOp.LockIsLocked:
                lock (gate)
                {
                    reply.WriteByte(holder is null ? (byte)0 : (byte)1);
                }

                break;

            default:
                throw new InvalidOperationException($"A lock has no operation {op}.");
        }

        return default;
    }

    private async ValueTask AcquireAsync(ValueTask<bool> taking, WireBuffer reply, ManagerSession session) =>
        Acquired(await taking.ConfigureAwait(false), reply, session);

    /// <summary>Records an acquisition (if <paramref name="acquired"/>) by <paramref name="session"/> and writes the reply.</summary>
    private void Acquired(bool acquired, WireBuffer reply, ManagerSession session)
    {
        bool wasAbandoned = false;
        int acquisition = 0;
        if (acquired)
        {
            lock (gate)
            {
                holder = session;
                depth = 1;
                wasAbandoned = abandoned;
                abandoned = false;
                acquisition = ++generation;
            }

            session.Holds(this);
        }

        reply.WriteBool(acquired);
        reply.WriteBool(wasAbandoned);
        reply.WriteInt32(acquisition);
    }

    /// <summary>Whether <paramref name="session"/> holds the lock now.</summary>
    public bool IsHeldBy(ManagerSession session)
    {
        lock (gate)
        {
            return ReferenceEquals(holder, session);
        }
    }

    /// <summary>Releases the lock entirely for a condition's wait; returns the depth to restore.</summary>
    /// <exception cref="SynchronizationLockException"><paramref name="session"/> does not hold the lock.</exception>
    public int ReleaseForWait(ManagerSession session)
    {
        int saved;
        lock (gate)
        {
            if (!ReferenceEquals(holder, session))
            {
                throw new SynchronizationLockException("The condition's lock is not held through this proxy: acquire it (through the condition) before waiting.");
            }

            saved = depth;
            holder = null;
            depth = 0;
        }

        session.Forget(this);
        permit.Release();
        return saved;
    }

    /// <summary>Takes the lock again after a condition's wait, restoring <paramref name="savedDepth"/>; returns the acquisition's number, or -1 if the client went away first.</summary>
    public async ValueTask<int> ReacquireAfterWaitAsync(ManagerSession session, int savedDepth)
    {
        if (!await SessionWait.TakeAsync(permit, -1, session).ConfigureAwait(false))
        {
            return -1;
        }

        int acquisition;
        lock (gate)
        {
            holder = session;
            depth = savedDepth;
            abandoned = false; // the waiter is told nothing: its Wait returns as Python's does
            acquisition = ++generation;
        }

        session.Holds(this);
        return acquisition;
    }

    /// <summary>Releases the lock if <paramref name="session"/> holds it, marking it abandoned for the next acquirer.</summary>
    public void Abandon(ManagerSession session)
    {
        lock (gate)
        {
            if (!ReferenceEquals(holder, session))
            {
                return;
            }

            holder = null;
            depth = 0;
            abandoned = true;
        }

        permit.Release();
    }
}
