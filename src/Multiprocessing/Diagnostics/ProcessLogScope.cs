using System.Collections;

namespace Multiprocessing.Diagnostics;

/// <summary>
/// The scope in which a child's relayed records are logged in the parent: its pid and name, under the keys
/// <c>multiprocessing.process.pid</c> and <c>multiprocessing.process.name</c>.
/// </summary>
internal sealed class ProcessLogScope(int pid, string name) : IReadOnlyList<KeyValuePair<string, object?>>
{
    public const string PidKey = "multiprocessing.process.pid";
    public const string NameKey = "multiprocessing.process.name";

    public int Count => 2;

    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new(PidKey, pid),
        1 => new(NameKey, name),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        yield return this[0];
        yield return this[1];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"{name} (pid {pid})";
}
