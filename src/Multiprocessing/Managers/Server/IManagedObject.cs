namespace Multiprocessing.Managers;

/// <summary>An object a manager holds: it answers the operations its proxies send.</summary>
internal interface IManagedObject
{
    /// <summary>
    /// Runs <paramref name="op"/> with its arguments and writes the reply; <paramref name="session"/> is the client's
    /// connection. The arguments are read before it returns (<paramref name="args"/> reads the connection's buffer,
    /// which no await may outlive); an operation that waits returns a task that writes the reply once its wait ends,
    /// and blocks no thread meanwhile.
    /// </summary>
    ValueTask Serve(ManagerOp op, ref WireReader args, WireBuffer reply, ManagerSession session);
}
