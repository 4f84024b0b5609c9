namespace Multiprocessing.Managers;

/// <summary>A managed object whose every operation completes at once: it never waits (a dictionary, a list, a value, an array).</summary>
internal interface IImmediateObject : IManagedObject
{
    /// <summary>Runs <paramref name="op"/> with its arguments and writes the reply, at once.</summary>
    void ServeNow(ManagerOp op, ref WireReader args, WireBuffer reply, ManagerSession session);

    ValueTask IManagedObject.Serve(ManagerOp op, ref WireReader args, WireBuffer reply, ManagerSession session)
    {
        ServeNow(op, ref args, reply, session);
        return default;
    }
}
