namespace Multiprocessing.Bench.Python;

/// <summary>The repository root: the nearest folder above the bench's output that holds <c>Multiprocessing.slnx</c>.</summary>
internal static class RepoRoot
{
    private const string SolutionFile = "Multiprocessing.slnx";

    public static string? Find()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, SolutionFile)))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
