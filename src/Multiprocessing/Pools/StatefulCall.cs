using System.Runtime.CompilerServices;
using Multiprocessing.Processes;

namespace Multiprocessing.Pools;

/// <summary>
/// A task of a <see cref="WorkerStatePool{TState}"/> of a process pool, as the pool sends it: the view's key, its
/// factory and the user's function, each delegate encoded apart (a delegate cannot be a field on the wire), decoded
/// once per worker.
/// </summary>
internal sealed class StatefulCall<TState, T, TResult>(string key, byte[] factory, byte[] function)
{
    private static readonly ConditionalWeakTable<StatefulCall<TState, T, TResult>, Decoded> DecodedHere = new();

    private readonly string key = key;
    private readonly byte[] factory = factory;
    private readonly byte[] function = function;

    /// <summary>Runs in the worker: the state (built once here), then the function with it.</summary>
    public TResult Invoke(T arg)
    {
        Decoded d = DecodedHere.GetValue(this, static c => new Decoded(Decode<Func<TState>>(c.factory), Decode<Func<TState, T, TResult>>(c.function)));
        return d.Function(WorkerStates.Get(key, d.Factory), arg);
    }

    private static TDelegate Decode<TDelegate>(byte[] payload)
        where TDelegate : Delegate
    {
        (System.Reflection.MethodInfo method, object? target) = DelegatePayload.DecodeFunction(payload);
        return method.CreateDelegate<TDelegate>(target);
    }

    private sealed record Decoded(Func<TState> Factory, Func<TState, T, TResult> Function);
}
