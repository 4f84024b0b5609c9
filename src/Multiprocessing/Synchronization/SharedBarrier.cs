using System.Reflection;
using System.Runtime.CompilerServices;
using Multiprocessing.Interop;
using Multiprocessing.Processes;
using Multiprocessing.Sharing;
using Multiprocessing.Synchronization;

namespace Multiprocessing;

/// <summary>
/// A barrier for a fixed number of parties, in any threads and processes (Python's <c>multiprocessing.Barrier</c>):
/// each party's <see cref="Wait"/> blocks until all have arrived; then all go on, and one of them first runs the
/// action. A timeout, <see cref="Abort"/>, an action that throws, or the death of a waiting party's process
/// breaks the barrier: every waiter then gets a <see cref="BrokenBarrierException"/>, until <see cref="Reset"/>.
/// </summary>
/// <remarks>
/// The action is encoded with the barrier (like a <see cref="ChildProcess"/> target), so it runs in whichever
/// process arrives last; a static method or a lambda whose captures can be encoded works.
/// </remarks>
public sealed class SharedBarrier : SharedPrimitive, INamedObject<SharedBarrier>
{
    private Action? action;

    private SharedBarrier(Segment segment, Action? action)
        : base(segment)
    {
        this.action = action;
    }

    /// <summary>How many parties must arrive.</summary>
    public unsafe int Parties
    {
        get
        {
            using SegmentLease use = Segment.Enter(this);
            return ((BarrierState*)State)->Parties;
        }
    }

    /// <summary>How many parties are waiting now (Python's <c>n_waiting</c>).</summary>
    public unsafe int WaitingCount
    {
        get
        {
            using SegmentLease use = Segment.Enter(this);
            return Volatile.Read(ref ((BarrierState*)State)->Arrived);
        }
    }

    /// <summary>Whether the barrier is broken (Python's <c>broken</c>).</summary>
    public unsafe bool IsBroken
    {
        get
        {
            using SegmentLease use = Segment.Enter(this);
            return Volatile.Read(ref ((BarrierState*)State)->Broken) != 0;
        }
    }

    private unsafe BarrierState* S => (BarrierState*)State;

    /// <summary>Creates a barrier for <paramref name="parties"/> parties.</summary>
    /// <param name="parties">How many parties must arrive (1 to 256).</param>
    /// <param name="action">Run by one party (the last to arrive) before any is released; null for none.</param>
    /// <param name="name">Its name, or null for a fresh unique one.</param>
    /// <returns>The barrier.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="parties"/> is out of range.</exception>
    /// <exception cref="ArgumentException">The action's captured variables cannot be encoded.</exception>
    public static unsafe SharedBarrier Create(int parties, Action? action = null, string? name = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parties, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(parties, BarrierState.MaxParties);
        byte[] encoded = action is null ? [] : DelegatePayload.Encode(new ChildIdentity("barrier action", false, Environment.ProcessId), action, []);
        Segment segment = Segment.Create(name, Unsafe.SizeOf<BarrierState>() + encoded.Length, SegmentKind.Barrier, 0);
        var barrier = new SharedBarrier(segment, action);
        barrier.S->Parties = parties;
        barrier.S->ActionLength = encoded.Length;
        encoded.CopyTo(new Span<byte>(segment.Data + Unsafe.SizeOf<BarrierState>(), encoded.Length));
        return barrier;
    }

    /// <summary>Opens a barrier created by this or another process.</summary>
    /// <param name="name">Its name.</param>
    /// <returns>The barrier.</returns>
    /// <exception cref="FileNotFoundException">No such barrier.</exception>
    /// <exception cref="InvalidDataException">The name belongs to another kind of shared object.</exception>
    public static SharedBarrier Open(string name) => new(Segment.Open(name, SegmentKind.Barrier), null);

    /// <summary>Arrives and waits until every party has arrived.</summary>
    /// <param name="timeout">How long to wait; null for ever. If it runs out, the barrier breaks.</param>
    /// <param name="cancellationToken">Stops the wait; the barrier breaks, as a timeout would.</param>
    /// <returns>This party's arrival index, 0 to <see cref="Parties"/> - 1 (Python's return value of <c>wait()</c>).</returns>
    /// <exception cref="BrokenBarrierException">The barrier is or became broken.</exception>
    public int Wait(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Blocking.Wait(WaitCore<Blocking>(Deadline.After(timeout), timeout, throwOnTimeout: true, cancellationToken));

    /// <summary>
    /// Arrives and waits at most <paramref name="timeout"/> for every party. Returns false if the time ran out,
    /// which breaks the barrier for everyone, as a timeout does in Python (the other waiters get
    /// <see cref="BrokenBarrierException"/>).
    /// </summary>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="index">This party's arrival index, when it returns true.</param>
    /// <param name="cancellationToken">Stops the wait; the barrier breaks.</param>
    /// <returns>True if all parties arrived in time.</returns>
    /// <exception cref="BrokenBarrierException">The barrier is or became broken for another reason.</exception>
    public bool TryWait(TimeSpan timeout, out int index, CancellationToken cancellationToken = default)
    {
        index = Blocking.Wait(WaitCore<Blocking>(Deadline.After(timeout), timeout, throwOnTimeout: false, cancellationToken));
        return index >= 0;
    }

    /// <summary>Arrives and waits asynchronously until every party has arrived.</summary>
    /// <param name="timeout">How long to wait; null for ever. If it runs out, the barrier breaks.</param>
    /// <param name="cancellationToken">Stops the wait; the barrier breaks.</param>
    /// <returns>This party's arrival index.</returns>
    /// <exception cref="BrokenBarrierException">The barrier is or became broken.</exception>
    public ValueTask<int> WaitAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        WaitCore<Awaiting>(Deadline.After(timeout), timeout, throwOnTimeout: true, cancellationToken);

    /// <summary>
    /// The wait of <see cref="Wait"/>, <see cref="TryWait"/> and <see cref="WaitAsync"/>, one body for the blocking
    /// and the asynchronous form (<see cref="IWaitMode"/>): -1 when the time ran out and
    /// <paramref name="throwOnTimeout"/> is false.
    /// </summary>
    private async ValueTask<int> WaitCore<TMode>(Deadline deadline, TimeSpan? timeout, bool throwOnTimeout, CancellationToken cancellationToken)
        where TMode : IWaitMode
    {
        using SegmentLease use = Segment.Enter(this);
        (int index, int generation, bool last) = Arrive();
        if (last)
        {
            return index;
        }

        int[] pids = new int[Math.Min(Parties, BarrierState.MaxParties)];
        try
        {
            while (true)
            {
                ObjectDisposedException.ThrowIf(Segment.IsClosed, this); // Closed in this process while waiting: no result, broken or not.
                if (ReadGeneration() != generation)
                {
                    return RoundBroke(generation)
                        ? throw new BrokenBarrierException($"The barrier '{Name}' was broken while this party waited.")
                        : index;
                }

                ReadWaitingPids(pids);
                if (!await FutexSleep.SleepWatching<TMode>(GenerationWord(), generation, deadline, pids, cancellationToken).ConfigureAwait(false))
                {
                    if (!Break(generation))
                    {
                        continue; // The round ended just as the time ran out: the loop reports how.
                    }

                    return throwOnTimeout
                        ? throw new BrokenBarrierException($"The barrier '{Name}' timed out after {timeout} and is broken.")
                        : -1;
                }

                if (ReadGeneration() == generation && HasDeadParty(pids) && Break(generation))
                {
                    throw new BrokenBarrierException($"A party waiting at the barrier '{Name}' died; the barrier is broken.");
                }
            }
        }
        catch (OperationCanceledException)
        {
            Break(generation);
            throw;
        }
        catch (ObjectDisposedException)
        {
            // Closed in this process while this party waited: it still leaves the round for the other processes,
            // taking the internal lock even if that means sleeping (its call keeps the mapping until it returns).
            FutexSleep.FinishOnClosed(() => Break(generation));
            throw;
        }
    }

    /// <summary>Breaks the barrier (Python's <c>abort()</c>): waiters and later callers get <see cref="BrokenBarrierException"/> until <see cref="Reset"/>.</summary>
    public unsafe void Abort()
    {
        using SegmentLease use = Segment.Enter(this);
        LockInternal();
        try
        {
            BreakLocked();
        }
        finally
        {
            LockCore.Release(&S->Lock);
        }
    }

    /// <summary>Returns the barrier to its empty, unbroken State (Python's <c>reset()</c>); parties waiting now get <see cref="BrokenBarrierException"/>.</summary>
    public unsafe void Reset()
    {
        using SegmentLease use = Segment.Enter(this);
        LockInternal();
        try
        {
            if (S->Arrived > 0)
            {
                BreakLocked();
            }

            S->Arrived = 0;
            Volatile.Write(ref S->Broken, 0);
        }
        finally
        {
            LockCore.Release(&S->Lock);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Segment.IsClosed
        ? $"SharedBarrier('{Name}', closed)"
        : $"SharedBarrier('{Name}', parties={Parties}, waiting={WaitingCount}, broken={IsBroken})";

    private unsafe (int Index, int Generation, bool Last) Arrive()
    {
        bool abandoned = LockInternal();
        try
        {
            if (abandoned)
            {
                BreakLocked();
            }

            if (S->Broken != 0)
            {
                throw new BrokenBarrierException($"The barrier '{Name}' is broken; call Reset() to use it again.");
            }

            int generation = S->Generation;
            int index = S->Arrived;
            S->WaitingPids[index] = LockCore.Me;
            if (index + 1 < S->Parties)
            {
                Volatile.Write(ref S->Arrived, index + 1);

                // Parties already waiting refresh the set of processes they watch, so that they learn if this one dies.
                Libc.FutexWake(&S->Generation, int.MaxValue);
                return (index, generation, false);
            }

            try
            {
                RunAction();
            }
            catch (Exception e)
            {
                BreakLocked();
                throw new BrokenBarrierException($"The action of the barrier '{Name}' threw; the barrier is broken.", e);
            }

            S->Arrived = 0;
            S->BrokenRounds &= ~BarrierState.RoundBit(generation);
            Volatile.Write(ref S->Generation, generation + 1);
            Libc.FutexWake(&S->Generation, int.MaxValue);
            return (index, generation, true);
        }
        finally
        {
            LockCore.Release(&S->Lock);
        }
    }

    /// <summary>Breaks the barrier if it is still in <paramref name="generation"/>; false if that round has passed (or broke) meanwhile.</summary>
    private unsafe bool Break(int generation)
    {
        LockInternal();
        try
        {
            if (S->Generation != generation)
            {
                return false;
            }

            BreakLocked();
            return true;
        }
        finally
        {
            LockCore.Release(&S->Lock);
        }
    }

    /// <summary>With the internal lock held: mark broken and release every waiter into the exception.</summary>
    private unsafe void BreakLocked()
    {
        Volatile.Write(ref S->Broken, 1);
        S->BrokenRounds |= BarrierState.RoundBit(S->Generation);
        int next = S->Generation + 1;
        S->BreakGeneration = next;
        S->Arrived = 0;
        Volatile.Write(ref S->Generation, next);
        Libc.FutexWake(&S->Generation, int.MaxValue);
    }

    /// <summary>The internal lock's state, for the test that holds it while a party on its way out needs it.</summary>
    internal unsafe LockState* InternalLockForTests => &S->Lock;

    private unsafe bool LockInternal()
    {
        LockCore.Acquire(&S->Lock, Deadline.Never, CancellationToken.None, out bool abandoned);
        return abandoned;
    }

    private unsafe void RunAction()
    {
        if (action is null && S->ActionLength > 0)
        {
            byte[] encoded = new ReadOnlySpan<byte>(Segment.Data + Unsafe.SizeOf<BarrierState>(), S->ActionLength).ToArray();
            DecodedCall call = DelegatePayload.Decode(encoded);
            action = () => call.Method.Invoke(call.Target, BindingFlags.DoNotWrapExceptions, null, call.Args, null);
        }

        action?.Invoke();
    }

    private unsafe void ReadWaitingPids(Span<int> pids)
    {
        int arrived = Math.Min(Volatile.Read(ref S->Arrived), pids.Length);
        pids.Clear();
        for (int i = 0; i < arrived; i++)
        {
            pids[i] = S->WaitingPids[i];
        }
    }

    private static bool HasDeadParty(ReadOnlySpan<int> pids)
    {
        foreach (int pid in pids)
        {
            if (pid != 0 && !Liveness.IsAlive(pid))
            {
                return true;
            }
        }

        return false;
    }

    private unsafe int ReadGeneration() => Volatile.Read(ref S->Generation);

    /// <summary>
    /// Whether the round of <paramref name="generation"/>, which has ended, ended broken. Not "is the barrier broken
    /// now": the parties that a round released must return normally even if the next round (which the last party
    /// may begin at once) breaks before they wake, as Python's do (its next round cannot begin before they leave).
    /// </summary>
    private unsafe bool RoundBroke(int generation)
    {
        ulong rounds = Volatile.Read(ref S->BrokenRounds);
        int now = Volatile.Read(ref S->Generation);
        if (unchecked((uint)(now - generation)) <= BarrierState.RoundsRemembered)
        {
            return (rounds & BarrierState.RoundBit(generation)) != 0; // not yet overwritten by a later round's end
        }

        // This party slept through 64 rounds: its bit is gone; only the last break's generation is left to tell.
        return Volatile.Read(ref S->BreakGeneration) == unchecked(generation + 1);
    }

    private unsafe nint GenerationWord() => (nint)(&S->Generation);
}
