using System.Text.RegularExpressions;
using Multiprocessing.Bench.Compare;
using Multiprocessing.Bench.Core;
using Multiprocessing.Bench.Python;

namespace Multiprocessing.Bench.Tests;

public sealed partial class CompareSessionTests
{
    [Fact]
    public void PythonIds_OfAllWorkloads_AreExactlyTheScriptsWorkloads()
    {
        // A full --compare-python run asks the script for every selected id; one the script does not know makes it
        // exit with 2 and the whole run fail (it did, once W12 and W13 were added).
        string root = RepoRoot.Find() ?? throw new InvalidOperationException("no repository root above the test's output");
        string script = File.ReadAllText(Path.Combine(root, "bench", "python", "python_mp_bench.py"));
        string[] scriptIds = [.. ScriptWorkload().Matches(script).Select(m => m.Groups[1].Value)];
        Assert.NotEmpty(scriptIds);

        Assert.Equal(scriptIds, CompareSession.PythonIds(WorkloadCatalog.All));
    }

    [Fact]
    public void PythonIds_OfOnlyWorkloadsWithoutACounterpart_IsEmpty()
    {
        Assert.Empty(CompareSession.PythonIds(WorkloadCatalog.Select("w12,w13")));
        Assert.Equal(["w3"], CompareSession.PythonIds(WorkloadCatalog.Select("w13,w3")));
    }

    [GeneratedRegex("""^\s*\("(w\d+)", "[a-z_]+", w\d+_[a-z_]+\),\s*$""", RegexOptions.Multiline)]
    private static partial Regex ScriptWorkload();
}
