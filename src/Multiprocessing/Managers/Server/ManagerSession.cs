namespace Multiprocessing.Managers;

/// <summary>One client connection's state in the manager: the locks it holds, released when it ends.</summary>
/// <param name="peerClosed">Whether the client's socket has closed (its process died or closed the proxy); asked by waits that must not outlive their client.</param>
internal sealed class ManagerSession(Func<bool>? peerClosed = null)
{
    private readonly HashSet<EncodedLock> held = [];

    /// <summary>
    /// The references to objects this connection holds (object id to count), given back when it ends; read and
    /// written only by <see cref="ManagerServer"/> under its reference lock.
    /// </summary>
    public Dictionary<long, int> References { get; } = [];

    /// <summary>
    /// Whether the client is gone. Checked by the manager's blocking waits (barrier, condition), so that a
    /// client that died while waiting does not wait on, or hold up the others, for ever.
    /// </summary>
    public bool ClientGone => peerClosed?.Invoke() ?? false;

    public void Holds(EncodedLock item)
    {
        lock (held)
        {
            held.Add(item);
        }
    }

    public void Forget(EncodedLock item)
    {
        lock (held)
        {
            held.Remove(item);
        }
    }

    /// <summary>The connection ended: every lock it still holds is released and marked abandoned.</summary>
    public void End()
    {
        EncodedLock[] locks;
        lock (held)
        {
            locks = [.. held];
            held.Clear();
        }

        foreach (EncodedLock item in locks)
        {
            item.Abandon(this);
        }
    }
}
