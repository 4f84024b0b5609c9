namespace Multiprocessing.Diagnostics;

/// <summary>The logger categories of this library's types (the public type's full name).</summary>
internal static class LogCategories
{
    public const string ChildProcess = "Multiprocessing.ChildProcess";
    public const string ProcessPool = "Multiprocessing.ProcessPool";
    public const string Listener = "Multiprocessing.Listener";

    /// <summary>The resource tracker (an internal process, no public type): what it removed, logged by the process that started it.</summary>
    public const string ResourceTracker = "Multiprocessing.ResourceTracker";
}
