using System.IO.Compression;
using System.Reflection.PortableExecutable;
using System.Xml.Linq;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Packaging;

/// <summary>
/// The package as a user gets it: <c>dotnet pack</c> of the library into a folder feed, then a brand-new console
/// app that references it (its own package folder, offline: the feed and this machine's NuGet package folder),
/// built for <c>linux-x64</c> with warnings as errors, runs a child process and a process pool. Packing reuses the
/// library that this test project was built with (<c>--no-build</c>), so the test costs two small builds (the
/// second for linux-arm64, which must get the IL).
/// </summary>
public sealed class PackageTests : IDisposable
{
    private const string AppSource = """
        using Multiprocessing;

        // Traces: the activity source "Multiprocessing", seen by a listener of the app's own.
        var traced = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var tracing = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = s => s.Name == "Multiprocessing",
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => traced.Enqueue(a.OperationName),
        };
        System.Diagnostics.ActivitySource.AddActivityListener(tracing);

        using (ChildProcess<int> child = ChildProcess.Start((int n) => n * n, 7))
        {
            Console.WriteLine($"child result {child.Result}, exit code {child.ExitCode}");
        }

        using (ChildProcess<int> child = ChildProcess.Start(() => Environment.ProcessId))
        {
            Console.WriteLine($"child pid is another process: {child.Result != Environment.ProcessId}");
        }

        var instruments = new SortedSet<string>(StringComparer.Ordinal);
        int durations = 0;
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (i, l) => { if (i.Meter.Name == "Multiprocessing") { l.EnableMeasurementEvents(i); } };
        listener.SetMeasurementEventCallback<double>((i, v, t, s) => { lock (instruments) { instruments.Add(i.Name); durations += i.Name == "multiprocessing.pool.task.duration" ? 1 : 0; } });
        listener.SetMeasurementEventCallback<long>((i, v, t, s) => { lock (instruments) { instruments.Add(i.Name); } });
        listener.Start();

        using (var pool = new ProcessPool(new PoolOptions { WorkerCount = 2 }))
        {
            long[] squares = pool.Map((int x) => (long)x * x, Enumerable.Range(0, 100));
            int[] pids = pool.Map((int _) => Environment.ProcessId, Enumerable.Range(0, 8));
            Console.WriteLine($"pool sum {squares.Sum()}, in the parent: {pids.Contains(Environment.ProcessId)}");
            listener.RecordObservableInstruments();
            lock (instruments)
            {
                Console.WriteLine($"metrics: {durations} task.duration measurements for {pool.Counters.Completed} tasks; instruments {string.Join(" ", instruments)}");
            }
        }

        Console.WriteLine($"library {typeof(ChildProcess).Assembly.Location}");
        Console.WriteLine($"traced starts {traced.Count(n => n == "multiprocessing.process.start")}, tasks {traced.Count(n => n == "multiprocessing.pool.task")}");
        """;

    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void Package_ConsoleAppBuiltForLinuxX64WithWarningsAsErrors_RunsAChildAndAPool_AndForArm64GetsTheIL()
    {
        string feed = Path.Combine(temp.Path, "feed");
        string library = Path.Combine(TestApp.RepoRoot, "src", "Multiprocessing", "Multiprocessing.csproj");
        DotnetCli.Run(
            "pack", library, "-c", TestApp.Configuration, "--no-build", "-o", feed, "-nologo",
            $"-p:NuspecOutputPath={Path.Combine(temp.Path, "nuspec")}{Path.DirectorySeparatorChar}");

        string nupkg = Assert.Single(Directory.GetFiles(feed, "Multiprocessing.*.nupkg"));
        string version = Path.GetFileNameWithoutExtension(nupkg)["Multiprocessing.".Length..];

        string app = Path.Combine(temp.Path, "app");
        WriteApp(app, feed, version);
        string output = DotnetCli.Run("build", app, "-r", "linux-x64", "-c", "Release", "-nologo", "-tl:off", "-nodeReuse:false", "-o", Path.Combine(app, "out"));
        Assert.DoesNotContain("CS8012", output, StringComparison.Ordinal);
        Assert.Contains("0 Warning(s)", output, StringComparison.Ordinal);

        (int code, string stdout, string stderr) = TestApp.Run(Path.Combine(app, "out", "app"), []);
        Assert.True(code == 0, $"exit code {code}: {stderr}{Environment.NewLine}{stdout}");
        Assert.Contains("child result 49, exit code 0", stdout, StringComparison.Ordinal);
        Assert.Contains("child pid is another process: True", stdout, StringComparison.Ordinal);
        Assert.Contains("pool sum 328350, in the parent: False", stdout, StringComparison.Ordinal);
        AssertTraced(stdout);

        // The meter Multiprocessing publishes the three pool instruments, with one task.duration per task (8 chunks of
        // 13 items, then 8 of 1).
        Assert.Contains("metrics: 16 task.duration measurements for 16 tasks; instruments ", stdout, StringComparison.Ordinal);
        string instruments = stdout.Split('\n').Single(l => l.StartsWith("metrics: ", StringComparison.Ordinal));
        Assert.Contains("multiprocessing.pool.task.duration", instruments, StringComparison.Ordinal);
        Assert.Contains("multiprocessing.pool.task.pending", instruments, StringComparison.Ordinal);
        Assert.Contains("multiprocessing.pool.worker.count", instruments, StringComparison.Ordinal);

        // An app built for linux-x64 runs the precompiled image (runtimes/linux-x64/lib), from its own folder.
        string loaded = stdout.Split('\n').Single(l => l.StartsWith("library ", StringComparison.Ordinal))["library ".Length..].Trim();
        Assert.Equal(Path.Combine(app, "out", "Multiprocessing.dll"), loaded);
        Assert.Equal(DotnetCli.LinuxX64ReadyToRun, DotnetCli.MachineOf(loaded));

        // The same app built for linux-arm64 gets the IL (lib/), not the x64 image: the runtime refuses an x64
        // ReadyToRun image on arm64 (BadImageFormatException, issue #16).
        string arm64 = Path.Combine(app, "out-arm64");
        DotnetCli.Run("build", app, "-r", "linux-arm64", "-p:UseAppHost=false", "-c", "Release", "-nologo", "-tl:off", "-nodeReuse:false", "-o", arm64);
        using (PEReader arm64Library = new(File.OpenRead(Path.Combine(arm64, "Multiprocessing.dll"))))
        {
            Assert.Equal(Machine.I386, arm64Library.PEHeaders.CoffHeader.Machine);
            Assert.Equal(0, arm64Library.PEHeaders.CorHeader!.ManagedNativeHeaderDirectory.Size);
        }

        // A 0.x prerelease, with its symbols beside it.
        Assert.Matches(@"^0\.\d+\.\d+-[a-z]+\.\d+$", version);
        Assert.True(File.Exists(Path.ChangeExtension(nupkg, ".snupkg")), "no symbols package beside " + nupkg);
        CheckLayout(nupkg);
    }

    /// <summary>
    /// The app's listener saw the two children's and the two workers' starts, and at least one task (a map's last
    /// chunk's activity may stop a moment after the map returns, so not every task is counted for certain).
    /// </summary>
    private static void AssertTraced(string stdout)
    {
        System.Text.RegularExpressions.Match m = System.Text.RegularExpressions.Regex.Match(stdout, @"traced starts (\d+), tasks (\d+)");
        Assert.True(m.Success, stdout);
        Assert.True(int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 4, m.Value);
        Assert.True(int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) >= 1, m.Value);
    }

    /// <summary>lib/ the IL, ref/ the reference assembly and its docs, runtimes/linux-x64/lib/ the ReadyToRun image; the metadata.</summary>
    private static void CheckLayout(string nupkg)
    {
        using ZipArchive zip = ZipFile.OpenRead(nupkg);
        string[] names = [.. zip.Entries.Select(e => e.FullName)];
        foreach (string expected in new[]
        {
            "lib/net10.0/Multiprocessing.dll", "lib/net10.0/Multiprocessing.xml",
            "ref/net10.0/Multiprocessing.dll", "ref/net10.0/Multiprocessing.xml",
            "runtimes/linux-x64/lib/net10.0/Multiprocessing.dll", "PACKAGE.md",
        })
        {
            Assert.Contains(expected, names);
        }

        PEHeaders il = Headers(zip, "lib/net10.0/Multiprocessing.dll");
        Assert.Equal(Machine.I386, il.CoffHeader.Machine);
        Assert.True((il.CorHeader!.Flags & CorFlags.ILOnly) != 0, "lib/ must hold IL only");
        Assert.Equal(0, il.CorHeader.ManagedNativeHeaderDirectory.Size);

        PEHeaders r2r = Headers(zip, "runtimes/linux-x64/lib/net10.0/Multiprocessing.dll");
        Assert.Equal(DotnetCli.LinuxX64ReadyToRun, r2r.CoffHeader.Machine);
        Assert.NotEqual(0, r2r.CorHeader!.ManagedNativeHeaderDirectory.Size);

        PEHeaders reference = Headers(zip, "ref/net10.0/Multiprocessing.dll");
        Assert.Equal(Machine.I386, reference.CoffHeader.Machine);

        ZipArchiveEntry nuspecEntry = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
        using Stream nuspecStream = nuspecEntry.Open();
        XElement metadata = XDocument.Load(nuspecStream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string Field(string name) => metadata.Elements().Single(e => e.Name.LocalName == name).Value;
        Assert.Equal("MIT", Field("license"));
        Assert.Equal("PACKAGE.md", Field("readme"));
        Assert.StartsWith("https://", Field("projectUrl"), StringComparison.Ordinal);
        Assert.StartsWith("https://", metadata.Elements().Single(e => e.Name.LocalName == "repository").Attribute("url")!.Value, StringComparison.Ordinal);
    }

    private static PEHeaders Headers(ZipArchive zip, string entry)
    {
        using var copy = new MemoryStream();
        using (Stream s = zip.GetEntry(entry)!.Open())
        {
            s.CopyTo(copy);
        }

        copy.Position = 0;
        using var pe = new PEReader(copy);
        return pe.PEHeaders;
    }

    /// <summary>A console app with its own package folder, restoring offline from the feed and this machine's NuGet package folder.</summary>
    private static void WriteApp(string dir, string feed, string version)
    {
        Directory.CreateDirectory(dir);

        // Stop MSBuild's search for the repository's (or /tmp's) build files: the app stands alone.
        File.WriteAllText(Path.Combine(dir, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(dir, "Directory.Build.targets"), "<Project />\n");
        File.WriteAllText(Path.Combine(dir, "Directory.Packages.props"), "<Project />\n");

        File.WriteAllText(Path.Combine(dir, "app.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <RestorePackagesPath>{Path.Combine(dir, "packages")}</RestorePackagesPath>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Multiprocessing" Version="{version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(dir, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="feed" value="{feed}" />
                <add key="machine" value="{GlobalPackagesFolder()}" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(dir, "Program.cs"), AppSource);
    }

    /// <summary>This machine's NuGet package folder, where the repository's own restore put MessagePack and its dependencies.</summary>
    private static string GlobalPackagesFolder()
    {
        string output = DotnetCli.Run("nuget", "locals", "global-packages", "--list");
        const string Prefix = "global-packages: ";
        string line = output.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith(Prefix, StringComparison.Ordinal));
        string folder = line[Prefix.Length..];
        Assert.True(Directory.Exists(Path.Combine(folder, "messagepack")), $"no MessagePack in {folder}");
        return folder;
    }
}
