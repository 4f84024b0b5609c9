using System.Collections;
using System.Runtime.InteropServices;
using System.Text;
using Multiprocessing.Interop;

namespace Multiprocessing.Processes;

/// <summary>
/// Starts a worker with <c>posix_spawn</c>: its control socket on fd 3, stdout and stderr on pipes the parent
/// forwards line by line, stdin on <c>/dev/null</c>, no signal blocked. No fork of the .NET runtime; every other
/// descriptor is close-on-exec, so the child inherits nothing else. A pidfd tracks the child from then on.
/// </summary>
internal static unsafe class Spawner
{
    /// <summary>The fd number the worker finds its control socket on.</summary>
    public const int ChildControlFd = 3;

    public static SpawnedChild Spawn(LaunchPlan plan, IEnumerable<KeyValuePair<string, string?>>? extraEnvironment)
    {
        int* sock = stackalloc int[2];
        int* outPipe = stackalloc int[2];
        int* errPipe = stackalloc int[2];
        if (Libc.SocketPair(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0, sock) != 0)
        {
            throw Libc.Error("socketpair");
        }

        if (Libc.Pipe2(outPipe, Libc.O_CLOEXEC) != 0 || Libc.Pipe2(errPipe, Libc.O_CLOEXEC) != 0)
        {
            throw Libc.Error("pipe2");
        }

        var argv = new List<string> { plan.Executable };
        argv.AddRange(plan.Arguments);
        List<string> env = BuildEnvironment(plan, extraEnvironment);

        byte* actions = stackalloc byte[Libc.SpawnFileActionsSize];
        byte* attr = stackalloc byte[Libc.SpawnAttrSize];
        byte* sigset = stackalloc byte[Libc.SigSetSize];
        byte[] devNull = "/dev/null\0"u8.ToArray();
        nint argvBlock = 0, envBlock = 0;
        int pid = 0;
        try
        {
            Check(Libc.SpawnFileActionsInit(actions), "posix_spawn_file_actions_init");
            Check(Libc.SpawnAttrInit(attr), "posix_spawnattr_init");
            fixed (byte* devNullPtr = devNull)
            {
                Check(Libc.SpawnFileActionsAddOpen(actions, 0, devNullPtr, Libc.O_RDONLY, 0), "posix_spawn_file_actions_addopen");
            }

            Check(Libc.SpawnFileActionsAddDup2(actions, outPipe[1], 1), "posix_spawn_file_actions_adddup2");
            Check(Libc.SpawnFileActionsAddDup2(actions, errPipe[1], 2), "posix_spawn_file_actions_adddup2");
            Check(Libc.SpawnFileActionsAddDup2(actions, sock[1], ChildControlFd), "posix_spawn_file_actions_adddup2");
            _ = Libc.SigEmptySet(sigset);
            Check(Libc.SpawnAttrSetSigMask(attr, sigset), "posix_spawnattr_setsigmask");
            Check(Libc.SpawnAttrSetFlags(attr, Libc.POSIX_SPAWN_SETSIGMASK), "posix_spawnattr_setflags");

            argvBlock = MarshalStrings(argv);
            envBlock = MarshalStrings(env);
            byte[] path = Encoding.UTF8.GetBytes(plan.Executable + "\0");
            fixed (byte* pathPtr = path)
            {
                int rc = Libc.PosixSpawn(&pid, pathPtr, actions, attr, (byte**)argvBlock, (byte**)envBlock);
                if (rc != 0)
                {
                    throw new IOException($"posix_spawn of {plan.Executable} failed: {Marshal.GetPInvokeErrorMessage(rc)} (errno {rc}).", rc);
                }
            }
        }
        catch
        {
            Libc.Close(sock[0]);
            Libc.Close(outPipe[0]);
            Libc.Close(errPipe[0]);
            throw;
        }
        finally
        {
            _ = Libc.SpawnFileActionsDestroy(actions);
            _ = Libc.SpawnAttrDestroy(attr);
            FreeStrings(argvBlock);
            FreeStrings(envBlock);
            Libc.Close(sock[1]);
            Libc.Close(outPipe[1]);
            Libc.Close(errPipe[1]);
        }

        int pidfd = Libc.PidfdOpen(pid);
        Libc.SetNonBlocking(sock[0], true);
        Libc.SetNonBlocking(outPipe[0], true);
        Libc.SetNonBlocking(errPipe[0], true);
        return new SpawnedChild(pid, pidfd, sock[0], outPipe[0], errPipe[0]);
    }

    private static List<string> BuildEnvironment(LaunchPlan plan, IEnumerable<KeyValuePair<string, string?>>? extra)
    {
        var vars = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            vars[(string)e.Key] = (string?)e.Value;
        }

        if (extra is not null)
        {
            foreach ((string key, string? value) in extra)
            {
                vars[key] = value;
            }
        }

        vars[LaunchPlan.WorkerFdVariable] = ChildControlFd.ToString(System.Globalization.CultureInfo.InvariantCulture);

        // Skip the runtime's LTTng trace provider in children (dozens of failed library lookups at every start),
        // unless the user asked for it.
        vars.TryAdd("DOTNET_LTTng", "0");
        if (plan.UseStartupHook)
        {
            string? existing = vars.GetValueOrDefault(LaunchPlan.StartupHooksVariable);
            vars[LaunchPlan.SavedHooksVariable] = existing ?? string.Empty;
            string hook = typeof(Spawner).Assembly.GetName().Name!;
            vars[LaunchPlan.StartupHooksVariable] = string.IsNullOrEmpty(existing) ? hook : hook + Path.PathSeparator + existing;
        }

        return [.. vars.Where(kv => kv.Value is not null).Select(kv => kv.Key + "=" + kv.Value)];
    }

    private static nint MarshalStrings(List<string> strings)
    {
        var block = (nint*)NativeMemory.AllocZeroed((nuint)(strings.Count + 1), (nuint)sizeof(nint));
        for (int i = 0; i < strings.Count; i++)
        {
            block[i] = Marshal.StringToCoTaskMemUTF8(strings[i]);
        }

        return (nint)block;
    }

    private static void FreeStrings(nint block)
    {
        if (block == 0)
        {
            return;
        }

        var p = (nint*)block;
        for (int i = 0; p[i] != 0; i++)
        {
            Marshal.FreeCoTaskMem(p[i]);
        }

        NativeMemory.Free(p);
    }

    private static void Check(int rc, string what)
    {
        if (rc != 0)
        {
            throw new IOException($"{what} failed: {Marshal.GetPInvokeErrorMessage(rc)} (errno {rc}).", rc);
        }
    }
}
