using System.Runtime.CompilerServices;
using Multiprocessing.Interop;
using Multiprocessing.Sharing;
using Multiprocessing.Synchronization;

namespace Multiprocessing;

/// <summary>
/// An event shared by threads and processes (Python's <c>multiprocessing.Event</c>): a flag that <see cref="Set"/>
/// raises, releasing every waiter at once, and <see cref="Clear"/> lowers.
/// </summary>
public sealed class SharedEvent : SharedPrimitive, INamedObject<SharedEvent>
{
    private SharedEvent(Segment segment)
        : base(segment)
    {
    }

    /// <summary>Whether the flag is raised (Python's <c>is_set()</c>). It may change right after you read it.</summary>
    public unsafe bool IsSet
    {
        get
        {
            using SegmentLease use = Segment.Enter(this);
            return IsRaised(Volatile.Read(ref ((EventState*)State)->Flag));
        }
    }

    /// <summary>How many threads (of any process) are in a wait now: for tests that must know their waiters sleep.</summary>
    internal unsafe int WaiterCount
    {
        get
        {
            using SegmentLease use = Segment.Enter(this);
            return Volatile.Read(ref ((EventState*)State)->Waiters);
        }
    }

    /// <summary>Creates an event.</summary>
    /// <param name="initialState">True to start with the flag raised.</param>
    /// <param name="name">Its name, or null for a fresh unique one.</param>
    /// <returns>The event.</returns>
    public static unsafe SharedEvent Create(bool initialState = false, string? name = null)
    {
        var e = new SharedEvent(Segment.Create(name, Unsafe.SizeOf<EventState>(), SegmentKind.Event, 0));
        ((EventState*)e.State)->Flag = initialState ? EventState.Raised : 0;
        return e;
    }

    /// <summary>Opens an event created by this or another process.</summary>
    /// <param name="name">Its name.</param>
    /// <returns>The event.</returns>
    /// <exception cref="FileNotFoundException">No such event.</exception>
    /// <exception cref="InvalidDataException">The name belongs to another kind of shared object.</exception>
    public static SharedEvent Open(string name) => new(Segment.Open(name, SegmentKind.Event));

    /// <summary>Raises the flag and wakes every waiter.</summary>
    /// <remarks>
    /// Raising the flag also moves the word's generation on, and <see cref="Clear"/> leaves the generation alone:
    /// a waiter that wakes (or looks again after a slice) after a <see cref="Clear"/> that came at once still sees
    /// that a <see cref="Set"/> happened since it began to wait, and returns true, as Python's does.
    /// </remarks>
    public unsafe void Set()
    {
        using SegmentLease use = Segment.Enter(this);
        var s = (EventState*)State;
        int word = Volatile.Read(ref s->Flag);
        while (!IsRaised(word))
        {
            int seen = Interlocked.CompareExchange(ref s->Flag, EventState.NextSet(word), word);
            if (seen == word)
            {
                if (Volatile.Read(ref s->Waiters) > 0)
                {
                    Libc.FutexWake(&s->Flag, int.MaxValue);
                }

                return;
            }

            word = seen;
        }
    }

    /// <summary>Lowers the flag. Waiters that were waiting when it was last raised return true all the same.</summary>
    public unsafe void Clear()
    {
        using SegmentLease use = Segment.Enter(this);
        Interlocked.And(ref ((EventState*)State)->Flag, ~EventState.Raised);
    }

    /// <summary>Waits until the flag is raised.</summary>
    /// <param name="timeout">How long to wait; null for ever.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <exception cref="TimeoutException">The flag was not raised within <paramref name="timeout"/>.</exception>
    /// <exception cref="OperationCanceledException">The token fired first.</exception>
    public void Wait(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Timeouts.ThrowIfFalse(TryWait(timeout ?? Timeout.InfiniteTimeSpan, cancellationToken), NotSet, Name, timeout);

    private const string NotSet = "The event '{0}' was not set within {1}.";

    /// <summary>Waits at most <paramref name="timeout"/> for the flag (Python's <c>wait(timeout)</c>).</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>True if the flag was raised when the wait began or has been since (even if a <see cref="Clear"/> followed); false if the time ran out.</returns>
    /// <exception cref="OperationCanceledException">The token fired first.</exception>
    public unsafe bool TryWait(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using SegmentLease use = Segment.Enter(this);
        var s = (EventState*)State;
        int start = Volatile.Read(ref s->Flag);
        if (IsRaised(start))
        {
            return true;
        }

        var deadline = Deadline.After(timeout);
        Interlocked.Increment(ref s->Waiters);
        try
        {
            // The word changes only when the flag is raised (a clear of a clear flag writes nothing), so a word
            // other than the one this wait began with means a Set came since, even if a Clear followed it.
            while (Volatile.Read(ref s->Flag) == start)
            {
                if (!FutexSleep.Sleep(&s->Flag, start, deadline, 0, cancellationToken))
                {
                    return Volatile.Read(ref s->Flag) != start;
                }
            }

            return true;
        }
        finally
        {
            Interlocked.Decrement(ref s->Waiters);
        }
    }

    /// <summary>Waits asynchronously until the flag is raised.</summary>
    /// <param name="timeout">How long to wait; null for ever.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>A task that completes when the flag is raised.</returns>
    /// <exception cref="TimeoutException">The flag was not raised within <paramref name="timeout"/>.</exception>
    /// <exception cref="OperationCanceledException">The token fired first.</exception>
    public ValueTask WaitAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Timeouts.ThrowIfFalse(TryWaitAsync(timeout ?? Timeout.InfiniteTimeSpan, cancellationToken), NotSet, Name, timeout);

    /// <summary>Waits asynchronously at most <paramref name="timeout"/> for the flag.</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>True if the flag was raised when the wait began or has been since (even if a <see cref="Clear"/> followed); false if the time ran out.</returns>
    /// <exception cref="OperationCanceledException">The token fired first.</exception>
    public async ValueTask<bool> TryWaitAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using SegmentLease use = Segment.Enter(this);
        int start = ReadWord();
        if (IsRaised(start))
        {
            return true;
        }

        var deadline = Deadline.After(timeout);
        AddWaiter(1);
        try
        {
            // As in TryWait: a word that moved on means a Set came since this wait began.
            while (ReadWord() == start)
            {
                if (!await FutexSleep.SleepAsync(State, start, deadline, 0, cancellationToken).ConfigureAwait(false))
                {
                    return ReadWord() != start;
                }
            }

            return true;
        }
        finally
        {
            AddWaiter(-1);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Segment.IsClosed ? $"SharedEvent('{Name}', closed)" : $"SharedEvent('{Name}', set={IsSet})";

    private static bool IsRaised(int word) => (word & EventState.Raised) != 0;

    private unsafe int ReadWord() => Volatile.Read(ref ((EventState*)State)->Flag);

    private unsafe void AddWaiter(int delta) => Interlocked.Add(ref ((EventState*)State)->Waiters, delta);
}
