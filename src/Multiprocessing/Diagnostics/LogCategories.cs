namespace Multiprocessing.Diagnostics;

/// <summary>The logger categories of this library's types (the public type's full name).</summary>
internal static class LogCategories
{
    public const string ChildProcess = "Multiprocessing.ChildProcess";
    public const string ProcessPool = "Multiprocessing.ProcessPool";
    public const string Listener = "Multiprocessing.Listener";
}
