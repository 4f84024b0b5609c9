using System.Collections.Concurrent;
using System.Reflection;
using Multiprocessing.Processes;

namespace Multiprocessing.Pools;

/// <summary>
/// A pool's table of the functions its tasks call, each encoded once (or again when its target may have changed):
/// shared by every pool that sends encoded tasks (<see cref="ProcessPool"/>, and the cluster pool of
/// Multiprocessing.Orleans).
/// </summary>
/// <param name="capacity">How many functions it keeps before it starts again from empty (closures made per call).</param>
internal sealed class PoolFunctions(int capacity)
{
    /// <summary>The capacity a pool's table has: how many functions it keeps, and a <see cref="ProcessPool"/>'s worker knows, before starting again from empty.</summary>
    public const int DefaultCapacity = 256;

    /// <summary>Per delegate target type: whether it holds state (see <see cref="For"/>).</summary>
    private static readonly ConcurrentDictionary<Type, bool> StatefulTypes = new();

    private readonly Lock gate = new();
    private readonly Dictionary<Delegate, PoolFunction> functions = [];
    private int nextId;

    /// <summary>
    /// The function of <paramref name="function"/>, encoded once per pool (or again if many were seen). A delegate
    /// whose target holds state (a closure, or an instance method's object) is encoded again at every call, as Python
    /// pickles a task's function at every submit: the same closure object is shared by every lambda of a scope and by
    /// every turn of a <c>for</c> loop, and its fields may have changed since (delegates compare equal by target and
    /// method, not by what the target holds). The known function is reused when the new encoding is the same.
    /// </summary>
    /// <exception cref="ArgumentException">The delegate cannot cross to another process.</exception>
    public PoolFunction For(Delegate function)
    {
        bool stateful = function.Target is { } target && HoldsState(target.GetType());
        PoolFunction? known;
        lock (gate)
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

        var made = new PoolFunction(Interlocked.Increment(ref nextId), payload, function.Method.GetParameters());
        lock (gate)
        {
            if (functions.Count >= capacity)
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
        static t => t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic).Length > 0);
}
