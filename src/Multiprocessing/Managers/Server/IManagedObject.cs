namespace Multiprocessing.Managers;

/// <summary>An object a manager holds: it answers the operations its proxies send.</summary>
internal interface IManagedObject
{
    /// <summary>Runs <paramref name="op"/> with its arguments and writes the reply; <paramref name="session"/> is the client's connection.</summary>
    void Serve(ManagerOp op, ref WireReader args, WireBuffer reply, ManagerSession session);
}
