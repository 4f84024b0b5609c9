using Multiprocessing.Pools;
using Multiprocessing.Processes;

namespace Multiprocessing;

public sealed partial class ProcessPool
{
    private readonly Lock functionsGate = new();
    private readonly Dictionary<Delegate, PoolFunction> functions = [];

    /// <summary>Per delegate target type: whether it holds state (see <see cref="FunctionFor"/>).</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, bool> StatefulTypes = new();
    private int nextFunctionId;

    /// <summary>
    /// The function of <paramref name="function"/>, encoded once per pool (or again if many were seen). A delegate
    /// whose target holds state (a closure, or an instance method's object) is encoded again at every call, as Python
    /// pickles a task's function at every submit: the same closure object is shared by every lambda of a scope and by
    /// every turn of a <c>for</c> loop, and its fields may have changed since (delegates compare equal by target and
    /// method, not by what the target holds). The known function is reused when the new encoding is the same.
    /// </summary>
    private PoolFunction FunctionFor(Delegate function)
    {
        bool stateful = function.Target is { } target && HoldsState(target.GetType());
        PoolFunction? known;
        lock (functionsGate)
        {
            if (functions.TryGetValue(function, out known) && !stateful)
            {
                return known;
            }
        }

        byte[] payload = DelegatePayload.EncodeFunction(function); // Throws in the caller if it cannot cross.
        if (known is not null && payload.AsSpan().SequenceEqual(known.Payload))
        {
            return known;
        }

        var made = new PoolFunction(Interlocked.Increment(ref nextFunctionId), payload, function.Method.GetParameters());
        lock (functionsGate)
        {
            if (functions.Count >= MaxKnownFunctions)
            {
                functions.Clear(); // Closures made per call: keep the table small; workers are told to forget too.
            }

            functions[function] = made;
        }

        return made;
    }

    /// <summary>Whether objects of <paramref name="type"/> have instance fields (a lambda that captures nothing has a target without any).</summary>
    private static bool HoldsState(Type type) => StatefulTypes.GetOrAdd(
        type,
        static t => t.GetFields(System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic).Length > 0);
}
