using System.Reflection.PortableExecutable;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Packaging;

/// <summary>
/// An app of this repository that references the library's PROJECT (the test app here, as the tour and the
/// benchmark do) gets the linux-x64 ReadyToRun image when built for linux-x64, and the IL when built for another
/// processor, with no switch (issue #16: the arm64 tour needed <c>-p:ReadyToRunLibrary=false</c>). Built in a
/// temporary artifacts folder, so that the library is compiled there once for both apps and nothing of the
/// repository's own bin/ and obj/ is touched.
/// </summary>
public sealed class ProjectReferenceTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void ProjectReference_AppBuiltForLinuxArm64_GetsTheIL_AndForLinuxX64_TheImage()
    {
        Assert.Equal(Machine.I386, LibraryMachineOfAppBuiltFor("linux-arm64"));
        Assert.Equal(DotnetCli.LinuxX64ReadyToRun, LibraryMachineOfAppBuiltFor("linux-x64"));
    }

    /// <summary>Builds the test app for <paramref name="rid"/> and reads the machine of the <c>Multiprocessing.dll</c> in its output (I386 for IL).</summary>
    private Machine LibraryMachineOfAppBuiltFor(string rid)
    {
        string artifacts = Path.Combine(temp.Path, "artifacts");
        string[] args =
        [
            "build", TestApp.ProjectDir, "-r", rid, "--no-self-contained", "-p:UseAppHost=false", "-c", TestApp.Configuration,
            "--artifacts-path", artifacts, "-nologo", "-tl:off", "-nodeReuse:false",
        ];
        DotnetCli.Run(args);

        // The artifacts layout: bin/<project>/<configuration>_<rid>/ (the configuration in lower case).
        string output = Path.Combine(artifacts, "bin", "Multiprocessing.TestApp", $"{TestApp.Configuration.ToLowerInvariant()}_{rid}");
        return DotnetCli.MachineOf(Path.Combine(output, "Multiprocessing.dll"));
    }
}
