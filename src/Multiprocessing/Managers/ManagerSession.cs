namespace Multiprocessing.Managers;

/// <summary>One client connection's state in the manager: the locks it holds, released when it ends.</summary>
internal sealed class ManagerSession
{
    private readonly HashSet<EncodedLock> held = [];

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
