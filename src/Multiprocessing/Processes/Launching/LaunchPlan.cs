using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Multiprocessing.Processes;

/// <summary>
/// How this application starts a worker: the program to execute, its arguments and the environment it needs.
/// Worked out once per process from how the current process itself was started.
/// </summary>
/// <remarks>
/// The default way is <c>dotnet exec --runtimeconfig app.runtimeconfig.json --depsfile app.deps.json
/// Multiprocessing.dll</c>: the child resolves exactly the parent's assemblies, and its entry point is our worker
/// (<see cref="WorkerMain"/>; the library is built as an executable for this). This works for <c>dotnet run</c>,
/// an apphost, a published framework-dependent app and a test host. It starts about 10 ms faster than relaunching
/// the app with a startup hook, which is what a self-contained app does (<c>DOTNET_STARTUP_HOOKS=Multiprocessing</c>
/// turns the relaunched app into a worker before its <c>Main</c> runs). Apps where startup hooks or <see cref="Assembly.Location"/> are unavailable
/// (single-file, trimmed, NativeAOT) relaunch their executable and rely on
/// <see cref="ChildProcess.RunWorkerIfRequested"/> at the top of <c>Main</c>.
/// </remarks>
internal sealed class LaunchPlan
{
    public const string WorkerFdVariable = "MULTIPROCESSING_WORKER_FD";
    public const string SavedHooksVariable = "MULTIPROCESSING_SAVED_STARTUP_HOOKS";
    public const string StartupHooksVariable = "DOTNET_STARTUP_HOOKS";

    private static readonly Lazy<LaunchPlan> Lazy = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);

    private LaunchPlan(string executable, string[] arguments, bool useStartupHook)
    {
        Executable = executable;
        Arguments = arguments;
        UseStartupHook = useStartupHook;
    }

    /// <summary>Set by <see cref="ChildProcess.RunWorkerIfRequested"/>: this app's Main turns a relaunched copy into a worker.</summary>
    public static bool WorkerEntryRegistered { get; set; }

    /// <summary>Program to execute.</summary>
    public string Executable { get; }

    /// <summary>argv[1..].</summary>
    public string[] Arguments { get; }

    /// <summary>Whether the child needs <c>DOTNET_STARTUP_HOOKS</c>.</summary>
    public bool UseStartupHook { get; }

    /// <summary>The plan for this process.</summary>
    /// <exception cref="PlatformNotSupportedException">This kind of application cannot start workers; the message says what to do.</exception>
    public static LaunchPlan Current
    {
        get
        {
            try
            {
                return Lazy.Value;
            }
            catch (PlatformNotSupportedException e)
            {
                throw new PlatformNotSupportedException(e.Message, e);
            }
        }
    }

    private static LaunchPlan Create()
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException(
                "Multiprocessing.NET starts child processes on Linux only for now (it needs posix_spawn and pidfd). Windows and macOS are planned.");
        }

        if (!RuntimeFeature.IsDynamicCodeSupported)
        {
            throw new PlatformNotSupportedException(
                "Multiprocessing.NET does not support NativeAOT yet: its codec generates code at run time. Publish the app framework-dependent or self-contained without AOT.");
        }

        string? processPath = Environment.ProcessPath;
#pragma warning disable IL3000 // Empty in single-file apps: handled below (they relaunch themselves).
        string? entryLocation = Assembly.GetEntryAssembly()?.Location;
        string libraryLocation = typeof(LaunchPlan).Assembly.Location;
#pragma warning restore IL3000
        bool haveFiles = !string.IsNullOrEmpty(entryLocation) && !string.IsNullOrEmpty(libraryLocation);
        string runtimeDir = RuntimeEnvironment.GetRuntimeDirectory();
        string? muxer = haveFiles ? FindMuxer(processPath, runtimeDir) : null;

        if (muxer is not null)
        {
            // The usual case: a framework-dependent app, run by dotnet, its apphost or a test host.
            string deps = FindAppDeps(runtimeDir, entryLocation!);
            string runtimeConfig = FindRuntimeConfig(deps, entryLocation!);
            var args = new List<string> { "exec", "--runtimeconfig", runtimeConfig, "--depsfile", deps };
            if (AppContext.GetData("PROBING_DIRECTORIES") is string probing)
            {
                foreach (string dir in probing.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
                {
                    args.Add("--additionalprobingpath");
                    args.Add(dir);
                }
            }

            args.Add(libraryLocation);
            return new LaunchPlan(muxer, [.. args], useStartupHook: false);
        }

        bool hooksSupported = !AppContext.TryGetSwitch("System.StartupHookProvider.IsSupported", out bool on) || on;
        if (processPath is not null && haveFiles && hooksSupported)
        {
            // Self-contained: the apphost carries its runtime; relaunch it with our startup hook.
            return new LaunchPlan(processPath, [], useStartupHook: true);
        }

        if (processPath is not null && WorkerEntryRegistered)
        {
            // Single-file or trimmed: relaunch the app; ChildProcess.RunWorkerIfRequested() at the top of Main takes over.
            return new LaunchPlan(processPath, [], useStartupHook: false);
        }

        throw new PlatformNotSupportedException(
            "This application cannot start child processes the default way: it is single-file or trimmed (no assembly files, " +
            "no startup hooks). Call ChildProcess.RunWorkerIfRequested() as the first statement of Main, so that a relaunched " +
            "copy of the app becomes a worker.");
    }

    private static string? FindMuxer(string? processPath, string runtimeDir)
    {
        if (processPath is not null && Path.GetFileNameWithoutExtension(processPath) == "dotnet")
        {
            return processPath;
        }

        // runtimeDir is <dotnet root>/shared/Microsoft.NETCore.App/<version>/.
        string root = Path.GetFullPath(Path.Combine(runtimeDir, "..", "..", ".."));
        string candidate = Path.Combine(root, "dotnet");
        return File.Exists(candidate) && File.Exists(Path.Combine(root, "shared", "Microsoft.NETCore.App", Path.GetFileName(runtimeDir.TrimEnd('/')), "System.Private.CoreLib.dll"))
            ? candidate
            : null;
    }

    private static string FindAppDeps(string runtimeDir, string entryLocation)
    {
        if (AppContext.GetData("APP_CONTEXT_DEPS_FILES") is string depsFiles)
        {
            string sharedRoot = Path.GetFullPath(Path.Combine(runtimeDir, "..", ".."));
            foreach (string file in depsFiles.Split(';', StringSplitOptions.RemoveEmptyEntries))
            {
                if (!Path.GetFullPath(file).StartsWith(sharedRoot, StringComparison.Ordinal) && File.Exists(file))
                {
                    return file;
                }
            }
        }

        string beside = Path.ChangeExtension(entryLocation, ".deps.json");
        return File.Exists(beside)
            ? beside
            : throw new PlatformNotSupportedException($"Cannot find the application's .deps.json (looked for {beside}); a child process could not resolve the same assemblies.");
    }

    private static string FindRuntimeConfig(string deps, string entryLocation)
    {
        string fromDeps = deps[..^".deps.json".Length] + ".runtimeconfig.json";
        if (File.Exists(fromDeps))
        {
            return fromDeps;
        }

        string beside = Path.ChangeExtension(entryLocation, ".runtimeconfig.json");
        return File.Exists(beside)
            ? beside
            : throw new PlatformNotSupportedException($"Cannot find the application's .runtimeconfig.json (looked for {fromDeps} and {beside}).");
    }
}
