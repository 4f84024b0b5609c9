using System.Runtime.CompilerServices;
using Multiprocessing.Interop;
using Multiprocessing.Shared;
using Multiprocessing.Synchronization;

namespace Multiprocessing;

/// <summary>
/// An event shared by threads and processes (Python's <c>multiprocessing.Event</c>): a flag that <see cref="Set"/>
/// raises, releasing every waiter at once, and <see cref="Clear"/> lowers.
/// </summary>
public sealed class SharedEvent : IDisposable, ISharedObject<SharedEvent>
{
    private readonly Segment segment;


    private SharedEvent(Segment segment)
    {
        this.segment = segment;
    }

    /// <summary>The shared state's address; throws once the object is closed, instead of touching unmapped memory.</summary>
    private nint State => segment.DataFor(this);

    /// <summary>The name other processes open it by.</summary>
    public string Name => segment.Name;

    /// <summary>Whether the flag is raised (Python's <c>is_set()</c>). It may change right after you read it.</summary>
    public unsafe bool IsSet
    {
        get
        {
            using SegmentLease use = segment.Enter(this);
            return Volatile.Read(ref ((EventState*)State)->Flag) != 0;
        }
    }

    /// <inheritdoc/>
    string ISharedObject<SharedEvent>.Descriptor => Name;

    /// <summary>Creates an event.</summary>
    /// <param name="initialState">True to start with the flag raised.</param>
    /// <param name="name">Its name, or null for a fresh unique one.</param>
    /// <returns>The event.</returns>
    public static unsafe SharedEvent Create(bool initialState = false, string? name = null)
    {
        var e = new SharedEvent(Segment.Create(name, Unsafe.SizeOf<EventState>(), SegmentKind.Event, 0));
        ((EventState*)e.State)->Flag = initialState ? 1 : 0;
        return e;
    }

    /// <summary>Opens an event created by this or another process.</summary>
    /// <param name="name">Its name.</param>
    /// <returns>The event.</returns>
    /// <exception cref="FileNotFoundException">No such event.</exception>
    /// <exception cref="InvalidDataException">The name belongs to another kind of shared object.</exception>
    public static SharedEvent Open(string name) => new(Segment.Open(name, SegmentKind.Event));

    /// <inheritdoc/>
    static SharedEvent ISharedObject<SharedEvent>.Reopen(string descriptor) => Open(descriptor);

    /// <summary>Raises the flag and wakes every waiter.</summary>
    public unsafe void Set()
    {
        using SegmentLease use = segment.Enter(this);
        var s = (EventState*)State;
        if (Interlocked.Exchange(ref s->Flag, 1) == 0 && Volatile.Read(ref s->Waiters) > 0)
        {
            Libc.FutexWake(&s->Flag, int.MaxValue);
        }
    }

    /// <summary>Lowers the flag.</summary>
    public unsafe void Clear()
    {
        using SegmentLease use = segment.Enter(this);
        Volatile.Write(ref ((EventState*)State)->Flag, 0);
    }

    /// <summary>Waits until the flag is raised.</summary>
    /// <param name="timeout">How long to wait; null for ever.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <exception cref="TimeoutException">The flag was not raised within <paramref name="timeout"/>.</exception>
    /// <exception cref="OperationCanceledException">The token fired first.</exception>
    public void Wait(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        if (!TryWait(timeout ?? Timeout.InfiniteTimeSpan, cancellationToken))
        {
            throw new TimeoutException($"The event '{Name}' was not set within {timeout}.");
        }
    }

    /// <summary>Waits at most <paramref name="timeout"/> for the flag (Python's <c>wait(timeout)</c>).</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>True if the flag is raised.</returns>
    /// <exception cref="OperationCanceledException">The token fired first.</exception>
    public unsafe bool TryWait(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using SegmentLease use = segment.Enter(this);
        var s = (EventState*)State;
        if (Volatile.Read(ref s->Flag) != 0)
        {
            return true;
        }

        var deadline = Deadline.After(timeout);
        Interlocked.Increment(ref s->Waiters);
        try
        {
            while (Volatile.Read(ref s->Flag) == 0)
            {
                if (!FutexSleep.Sleep(&s->Flag, 0, deadline, 0, cancellationToken))
                {
                    return Volatile.Read(ref s->Flag) != 0;
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
    public async ValueTask WaitAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        if (!await TryWaitAsync(timeout ?? Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false))
        {
            throw new TimeoutException($"The event '{Name}' was not set within {timeout}.");
        }
    }

    /// <summary>Waits asynchronously at most <paramref name="timeout"/> for the flag.</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>True if the flag is raised.</returns>
    /// <exception cref="OperationCanceledException">The token fired first.</exception>
    public async ValueTask<bool> TryWaitAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using SegmentLease use = segment.Enter(this);
        if (IsSet)
        {
            return true;
        }

        var deadline = Deadline.After(timeout);
        AddWaiter(1);
        try
        {
            while (!IsSet)
            {
                if (!await FutexSleep.SleepAsync(State, 0, deadline, 0, cancellationToken).ConfigureAwait(false))
                {
                    return IsSet;
                }
            }

            return true;
        }
        finally
        {
            AddWaiter(-1);
        }
    }

    /// <summary>Closes the event in this process; it is removed once no process has it open.</summary>
    /// <remarks>Every member but <see cref="Name"/> and <see cref="ToString"/> then throws <see cref="ObjectDisposedException"/>; waits in this process are woken and throw it.</remarks>
    public void Dispose() => segment.Dispose();

    /// <inheritdoc/>
    public override string ToString() => segment.IsClosed ? $"SharedEvent('{Name}', closed)" : $"SharedEvent('{Name}', set={IsSet})";

    private unsafe void AddWaiter(int delta) => Interlocked.Add(ref ((EventState*)State)->Waiters, delta);
}
