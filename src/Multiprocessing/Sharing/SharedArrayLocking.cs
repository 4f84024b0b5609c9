namespace Multiprocessing.Sharing;

/// <summary>What guards a shared array or value about to be created: the public choices (a mode, a lock, a recursive lock) made one.</summary>
/// <param name="Guard">The kind of guard.</param>
/// <param name="LockName">The given lock's name, for <see cref="SharedArrayGuard.Lock"/> and <see cref="SharedArrayGuard.RLock"/>.</param>
internal readonly record struct SharedArrayLocking(SharedArrayGuard Guard, string? LockName)
{
    /// <summary>Its own recursive lock (the default).</summary>
    public static SharedArrayLocking Own => new(SharedArrayGuard.Own, null);

    /// <summary>A lock of its own, or none.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="mode"/> is not a defined value.</exception>
    public static SharedArrayLocking Of(SharedLockMode mode) => mode switch
    {
        SharedLockMode.Recursive => Own,
        SharedLockMode.None => new(SharedArrayGuard.None, null),
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Not a SharedLockMode."),
    };

    /// <summary>Guarded by <paramref name="lockObject"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="lockObject"/> is null.</exception>
    public static SharedArrayLocking Of(SharedLock lockObject)
    {
        ArgumentNullException.ThrowIfNull(lockObject);
        return new(SharedArrayGuard.Lock, lockObject.Name);
    }

    /// <summary>Guarded by <paramref name="lockObject"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="lockObject"/> is null.</exception>
    public static SharedArrayLocking Of(SharedRLock lockObject)
    {
        ArgumentNullException.ThrowIfNull(lockObject);
        return new(SharedArrayGuard.RLock, lockObject.Name);
    }
}
