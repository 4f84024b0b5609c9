namespace Multiprocessing.Pools;

/// <summary>A function a <see cref="ProcessPool"/> sends to its workers once each: its id and its encoded method and target.</summary>
internal sealed class PoolFunction(int id, byte[] payload, System.Reflection.ParameterInfo[] parameters)
{
    public int Id { get; } = id;

    /// <summary>The encoded function (<see cref="Processes.DelegatePayload.EncodeFunction"/>): compared with a new encoding of a delegate whose target may have changed.</summary>
    public byte[] Payload { get; } = payload;

    public byte[] DefineFrame { get; } = ProcessWire.DefineFrame(id, payload);

    public System.Reflection.ParameterInfo[] Parameters { get; } = parameters;

    /// <summary>Whether a parameter is a <see cref="CancellationToken"/>: the worker then cancels the task's own token when the caller's is cancelled, and keeps serving.</summary>
    public bool TakesToken { get; } = parameters.Any(p => p.ParameterType == typeof(CancellationToken));
}
