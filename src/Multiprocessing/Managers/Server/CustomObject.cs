using System.Reflection;
using MessagePack;
using Multiprocessing.Codec;

namespace Multiprocessing.Managers;

/// <summary>
/// An object of the user's own type that a manager holds (made by a factory registered with
/// <see cref="ManagerOptions.Register{TInterface}(Func{TInterface})"/>): each <see cref="ManagerOp.CustomCall"/>
/// calls one of its interface's methods on it, on a thread-pool thread, so calls from different clients run
/// concurrently and the object must be thread-safe. A method that blocks holds that thread only, not the connection
/// loops of other clients (the pool adds threads when all of its own are held); a method that returns an
/// unfinished task is awaited without a thread.
/// </summary>
internal sealed class CustomObject(CustomInterface contract, object instance) : IManagedObject
{
    public CustomInterface Interface => contract;

    /// <summary>Request: the method's id (int32, see <see cref="CustomMethod.Id"/>), then each argument encoded as its parameter's type. Reply: the result encoded as the declared result type, or nothing.</summary>
    public ValueTask Serve(ManagerOp op, ref WireReader args, WireBuffer reply, ManagerSession session)
    {
        if (op != ManagerOp.CustomCall)
        {
            throw new InvalidOperationException($"A custom object ({TypeNames.Display(contract.Type)}) has no operation {op}.");
        }

        int methodId = args.ReadInt32();
        if (!contract.TryFind(methodId, out CustomMethod? method))
        {
            throw new InvalidOperationException(
                $"This object's interface {TypeNames.Display(contract.Type)} has no method with id {methodId}: the caller's proxy is of another interface, or another build of it (the caller and the manager must run the same assembly).");
        }

        object?[] values = DecodeArguments(method, args.Rest);
        return CallAsync(method, values, reply);
    }

    /// <summary>
    /// Calls <paramref name="method"/> on the thread pool (the user's code may block, and the connection's loop may
    /// run on the thread that accepts clients), awaits what it returns if that is an unfinished task, and writes its result.
    /// </summary>
    private async ValueTask CallAsync(CustomMethod method, object?[] values, WireBuffer reply)
    {
        object? returned = await Task.Run(() => method.Method.Invoke(instance, BindingFlags.DoNotWrapExceptions, null, values, null)).ConfigureAwait(false);
        if (returned is Task { IsCompleted: false } pending)
        {
            await pending.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing); // its outcome is read below
        }

        object? result = method.AwaitResult(returned);
        if (method.ResultType is { } type)
        {
            var writer = new MessagePackWriter(reply);
            try
            {
                WireCodec.Serialize(ref writer, type, result);
                writer.Flush();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw WireCodec.EncodeFailure($"the result of {method.Method.Name}", "result", type, e);
            }
        }
    }

    /// <summary>Refuses a caller whose interface is not this object's (another interface, or another version of it).</summary>
    /// <exception cref="InvalidOperationException">The fingerprints differ.</exception>
    public void CheckFingerprint(int fingerprint)
    {
        if (fingerprint != contract.Fingerprint)
        {
            throw new InvalidOperationException(
                $"The caller's interface does not match this object's {TypeNames.Display(contract.Type)}: another interface, or another build of it (the caller and the manager must run the same assembly).");
        }
    }

    private static object?[] DecodeArguments(CustomMethod method, ReadOnlySpan<byte> bytes)
    {
        Type[] types = method.ParameterTypes;
        if (types.Length == 0)
        {
            return [];
        }

        var values = new object?[types.Length];
        var reader = new MessagePackReader(bytes.ToArray());
        for (int i = 0; i < values.Length; i++)
        {
            try
            {
                values[i] = WireCodec.Deserialize(ref reader, types[i]);
            }
            catch (Exception e) when (WireCodec.IsDecodeFailure(e))
            {
                throw WireCodec.DecodeFailure($"Argument '{method.ParameterNames[i]}' of {method.Method.Name} could not be decoded as {TypeNames.Display(types[i])}", e);
            }
        }

        return values;
    }
}
