namespace Multiprocessing.Pools;

/// <summary>The result of a task whose delegate is an <see cref="Action"/>: nothing. A process pool sends nothing back for it.</summary>
internal readonly struct NoResult;
