using System.Collections;

namespace Multiprocessing.Diagnostics;

/// <summary>The state of a record relayed from a child: its structured properties as the child logged them; its text is the child's formatted message.</summary>
internal sealed class RelayedLogState(string message, KeyValuePair<string, object?>[] properties) : IReadOnlyList<KeyValuePair<string, object?>>
{
    public string Message => message;

    public int Count => properties.Length;

    public KeyValuePair<string, object?> this[int index] => properties[index];

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)properties).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => message;
}
