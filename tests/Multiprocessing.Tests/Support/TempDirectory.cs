namespace Multiprocessing.Tests.Support;

/// <summary>A fresh directory for files that a test and its children use to signal each other; deleted on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mp-tests-" + Guid.NewGuid().ToString("N"));

    /// <summary>A path in this directory that does not exist yet.</summary>
    public string NewPath(string name) => System.IO.Path.Combine(Path, $"{name}-{Guid.NewGuid():N}");

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
