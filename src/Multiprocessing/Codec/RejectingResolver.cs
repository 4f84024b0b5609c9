using System.Net.Sockets;
using System.Runtime.InteropServices;
using MessagePack;
using MessagePack.Formatters;

namespace Multiprocessing.Codec;

/// <summary>The last resolver: every type that reaches it cannot cross, and its formatter says why.</summary>
internal sealed class RejectingResolver : IFormatterResolver
{
    public static readonly RejectingResolver Instance = new();

    /// <summary>Where a pool's task needs an object that cannot cross: build it in each worker (<see cref="WorkerPool.WithWorkerState{TState}"/>).</summary>
    private const string WorkerStateHint =
        "; or, for an object a pool's tasks need, build it once in each worker instead: pool.WithWorkerState(() => new ...), whose functions take it as their first parameter";

    public IMessagePackFormatter<T> GetFormatter<T>() => RejectFormatter<T>.Instance;

    /// <summary>Why values of <paramref name="type"/> cannot be encoded, in words the user can act on.</summary>
    public static string Explain(Type type)
    {
        if (typeof(Connection).IsAssignableFrom(type) || type == typeof(Listener))
        {
            return "a connection made by a Listener or a Client, or a listener, belongs to this process (it holds an open socket); pass the listener's address "
                + "(its path or port, as a string or an int) and the auth key instead, and connect in the child with Client.Connect (the ends of a Pipe can be passed)";
        }

        if (typeof(Delegate).IsAssignableFrom(type))
        {
            return "delegates cannot cross processes; pass the data and call a method in the child instead";
        }

        if (type == typeof(CancellationToken) || type == typeof(CancellationTokenSource))
        {
            return "a cancellation token belongs to this process, and cancelling it here would reach nothing in another; to cancel a pool's task, "
                + "take the token as a parameter instead of capturing one (pool.Submit((CancellationToken ct) => Work(ct), token)): the pool passes the task a token of "
                + "its own, cancelled in the worker when yours is. A ChildProcess's target watches CurrentProcess.TerminationToken, which Terminate() cancels";
        }

        if (typeof(Stream).IsAssignableFrom(type) || typeof(SafeHandle).IsAssignableFrom(type) || typeof(WaitHandle).IsAssignableFrom(type)
            || typeof(Socket).IsAssignableFrom(type) || type == typeof(Thread) || typeof(Task).IsAssignableFrom(type)
            || type == typeof(System.Diagnostics.Process))
        {
            return "it holds an OS handle, a thread or a task that belongs to this process; pass what the child needs to open its own (a path, an address, a shared object)"
                + WorkerStateHint;
        }

        if (type.IsPointer || type.IsByRefLike || type == typeof(IntPtr) || type == typeof(UIntPtr))
        {
            return "pointers and ref structs are addresses in this process";
        }

        if (type.IsInterface || type.IsAbstract)
        {
            return "its declared type is abstract, and the wire never names the concrete type; declare the exact type"
                + WorkerStateHint;
        }

        return "this .NET type has no encoding; pass its data (numbers, strings, arrays, lists, dictionaries, records of those) instead"
            + WorkerStateHint;
    }

    private sealed class RejectFormatter<T> : IMessagePackFormatter<T>
    {
        public static readonly RejectFormatter<T> Instance = new();

        public void Serialize(ref MessagePackWriter writer, T value, MessagePackSerializerOptions options) =>
            throw new CodecException(Explain(typeof(T)));

        public T Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) =>
            throw new MessagePackSerializationException($"{TypeNames.Display(typeof(T))} cannot be decoded: {Explain(typeof(T))}.");
    }
}
