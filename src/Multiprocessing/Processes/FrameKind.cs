namespace Multiprocessing.Processes;

/// <summary>Kinds of frame on a child's control socket.</summary>
internal enum FrameKind : byte
{
    /// <summary>Parent → child: the encoded call (<see cref="DelegatePayload"/>).</summary>
    Start = 1,

    /// <summary>Child → parent: the encoded return value (nil for void targets).</summary>
    Result = 2,

    /// <summary>Child → parent: an exception thrown by the target (<see cref="RemoteExceptionInfo"/>).</summary>
    Error = 3,

    /// <summary>Child → parent: the child cannot load the parent's builds (a UTF-8 message).</summary>
    Mismatch = 4,

    /// <summary>Child → parent: a record the child's code logged (<see cref="LogRecordWire"/>), sent only after <see cref="SendLogs"/>; any number, before the last frame or after it.</summary>
    Log = 5,

    /// <summary>Parent → child, before <see cref="Start"/> (empty): the parent has a logger factory; send it the records logged here.</summary>
    SendLogs = 6,
}
