namespace Multiprocessing;

/// <summary>
/// Proof of an acquisition of a <see cref="SharedLock"/> or <see cref="SharedRLock"/>: disposing it releases the
/// lock, so <c>using (lk.Acquire()) { ... }</c> is Python's <c>with lk:</c>. Disposing twice releases once.
/// </summary>
public readonly struct LockHandle : IDisposable, IAsyncDisposable, IEquatable<LockHandle>
{
    private readonly IHandleOwner? owner;
    private readonly int ticket;

    internal LockHandle(IHandleOwner owner, int ticket, bool wasAbandoned)
    {
        this.owner = owner;
        this.ticket = ticket;
        WasAbandoned = wasAbandoned;
    }

    /// <summary>
    /// True if the previous holder died while holding the lock and this acquisition took it over: the data the
    /// lock protects may be half-updated. Check it and repair before you trust the data.
    /// </summary>
    public bool WasAbandoned { get; }

    /// <summary>Compares two handles.</summary>
    /// <param name="left">A handle.</param>
    /// <param name="right">Another handle.</param>
    /// <returns>True if both stand for the same acquisition.</returns>
    public static bool operator ==(LockHandle left, LockHandle right) => left.Equals(right);

    /// <summary>Compares two handles.</summary>
    /// <param name="left">A handle.</param>
    /// <param name="right">Another handle.</param>
    /// <returns>True if they stand for different acquisitions.</returns>
    public static bool operator !=(LockHandle left, LockHandle right) => !left.Equals(right);

    /// <summary>Releases the lock (once).</summary>
    public void Dispose() => owner?.ReleaseTicket(ticket);

    /// <summary>Releases the lock (once).</summary>
    /// <returns>A completed task.</returns>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public bool Equals(LockHandle other) => ReferenceEquals(owner, other.owner) && ticket == other.ticket;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is LockHandle other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(owner, ticket);
}
