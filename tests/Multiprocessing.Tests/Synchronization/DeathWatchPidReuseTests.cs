using System.Diagnostics;
using System.Runtime.InteropServices;
using Multiprocessing.Synchronization;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Synchronization;

/// <summary>
/// Pids wrap (at 32 768 by default): a process that exits leaves its pid to a later one. The death watch keeps an
/// entry per pid for as long as a registration holds it, and a registration can outlive its process (a pipe end held
/// by a process that never waits on it again). A new process that took the pid must be watched as itself: before,
/// the dead entry answered for it, every watch of it said "dead already", and every wait on it (a pipe's read, a
/// lock held by it) spun without sleeping for as long as the old registration lived.
/// </summary>
public sealed class DeathWatchPidReuseTests
{
    [PidReuseFact]
    public unsafe void ANewProcessWithTheSamePidAsADeadOne_IsWatchedAsItself()
    {
        int* words = (int*)NativeMemory.AllocZeroed(2, sizeof(int));
        Process? first = null;
        Process? second = null;
        DeathWatch.Registration? stale = null;
        DeathWatch.Registration? fresh = null;
        try
        {
            first = Sleeper();
            int pid = first.Id;
            stale = DeathWatch.Watch(pid, &words[0]);
            Assert.NotNull(stale);

            first.Kill();
            first.WaitForExit();
            AwaitDeath(stale!); // the watch thread has seen it die; the registration stays, as an idle pipe end's would

            second = SleeperWithPid(pid);
            Assert.True(second.Id == pid, $"could not start a process with pid {pid} again (got {second.Id})");

            fresh = DeathWatch.Watch(pid, &words[1]);
            Assert.NotNull(fresh); // it was null: the dead entry answered for the new process
            Assert.False(fresh!.ProcessDied);

            second.Kill();
            second.WaitForExit();
            AwaitDeath(fresh); // and it is the new process that this registration watches
        }
        finally
        {
            stale?.Dispose();
            fresh?.Dispose();
            KillQuietly(first);
            KillQuietly(second);
            NativeMemory.Free(words);
        }
    }

    private static void AwaitDeath(DeathWatch.Registration registration)
    {
        var clock = Stopwatch.StartNew();
        while (!registration.ProcessDied)
        {
            Assert.True(clock.Elapsed < Within.Deadline, "the death watch did not see the process die");
            Thread.Sleep(10);
        }
    }

    private static Process Sleeper() => Process.Start(new ProcessStartInfo("sleep", "600") { UseShellExecute = false })!;

    /// <summary>Starts a sleeper with pid <paramref name="pid"/>, setting the kernel's last pid just below it; other processes started meanwhile may take it first, so it tries a few times.</summary>
    private static Process SleeperWithPid(int pid)
    {
        Process started = null!;
        for (int attempt = 0; attempt < 20; attempt++)
        {
            File.WriteAllText(PidReuseFactAttribute.LastPid, (pid - 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
            started = Sleeper();
            if (started.Id == pid)
            {
                return started;
            }

            KillQuietly(started);
        }

        return started;
    }

    private static void KillQuietly(Process? process)
    {
        if (process is null)
        {
            return;
        }

        try
        {
            process.Kill();
            process.WaitForExit();
        }
        catch (InvalidOperationException)
        {
        }

        process.Dispose();
    }
}

/// <summary>A test that needs to choose the next pid (<c>/proc/sys/kernel/ns_last_pid</c>, writable by root): skipped elsewhere.</summary>
public sealed class PidReuseFactAttribute : FactAttribute
{
    public const string LastPid = "/proc/sys/kernel/ns_last_pid";

    public PidReuseFactAttribute()
    {
        if (!CanWrite())
        {
            Skip = $"{LastPid} is not writable here (it needs root): the next pid cannot be chosen.";
        }
    }

    private static bool CanWrite()
    {
        try
        {
            using var stream = new FileStream(LastPid, FileMode.Open, FileAccess.Write);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
