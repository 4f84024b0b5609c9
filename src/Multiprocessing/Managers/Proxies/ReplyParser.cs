namespace Multiprocessing.Managers;

/// <summary>Reads a reply: true if the operation succeeded (a slice that did not is repeated until the time runs out).</summary>
internal delegate bool ReplyParser<T>(WireReader reply, out T result);
