namespace Multiprocessing.Managers;

/// <summary>
/// A managed object with something to give up when the manager drops it (once nothing holds a reference to it):
/// its items, and any request still waiting on it, which ends with an error instead of waiting for ever.
/// </summary>
internal interface IReleasable
{
    /// <summary>Gives up what the object holds and wakes its waiters, whose requests then throw <see cref="ObjectDisposedException"/>.</summary>
    void Release();
}
