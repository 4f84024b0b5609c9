using Multiprocessing.Interop;

namespace Multiprocessing.Processes;

/// <summary>
/// Keeps a few workers started ahead of time, already through the .NET runtime's start-up and waiting for their
/// call on fd 3, so that <see cref="ChildProcess"/> starts cost a message instead of a process launch (what
/// CPython's forkserver does for it). Off unless <see cref="ChildProcess.WarmSpares"/> is set.
/// </summary>
internal static class SparePool
{
    private static readonly Queue<SpawnedChild> Idle = new();
    /// <summary>A spare's environment: it loads the application's assemblies this process has loaded, while it waits.</summary>
    private static Dictionary<string, string?> SpareEnvironment() => new()
    {
        [WorkerHost.SpareVariable] = string.Join(
            ';',
            AppDomain.CurrentDomain.GetAssemblies()
                .Where(a => !a.IsDynamic)
                .Select(a => a.GetName().Name)
                .Where(n => n is not null && !Codec.TypeNames.IsFrameworkAssemblyName(n))),
    };
    private static int target;
    private static int refilling;
    private static int taken;
    private static TaskCompletionSource stocked = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>How many starts were served by a spare (for tests).</summary>
    public static int Taken => Volatile.Read(ref taken);

    /// <summary>Completes when at least one spare is idle (for tests).</summary>
    public static Task WhenStocked()
    {
        lock (Idle)
        {
            return Idle.Count > 0 ? Task.CompletedTask : stocked.Task;
        }
    }

    public static int Target
    {
        get => Volatile.Read(ref target);
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            Volatile.Write(ref target, value);
            List<SpawnedChild> surplus = [];
            lock (Idle)
            {
                while (Idle.Count > value)
                {
                    surplus.Add(Idle.Dequeue());
                }
            }

            surplus.ForEach(Discard);
            Refill();
        }
    }

    /// <summary>A spare if one is ready and alive, else a fresh worker. Children with their own environment are always fresh.</summary>
    public static SpawnedChild Take(LaunchPlan plan, IReadOnlyDictionary<string, string?>? environment)
    {
        if (environment is null && Target > 0)
        {
            while (true)
            {
                SpawnedChild spare;
                lock (Idle)
                {
                    if (!Idle.TryDequeue(out spare))
                    {
                        break;
                    }
                }

                if (IsAlive(spare))
                {
                    // No refill yet: a booting spare would compete for the CPUs with the child that starts now.
                    // The child's monitor refills once it has exited (see ChildProcess).
                    Interlocked.Increment(ref taken);
                    return spare;
                }

                Discard(spare);
            }

            Refill();
        }

        return Spawner.Spawn(plan, environment);
    }

    /// <summary>Kills every idle spare (at the parent's exit).</summary>
    public static void Shutdown()
    {
        Volatile.Write(ref target, 0);
        List<SpawnedChild> all;
        lock (Idle)
        {
            all = [.. Idle];
            Idle.Clear();
        }

        all.ForEach(Discard);
    }

    /// <summary>Starts spares in the background until there are <see cref="Target"/> of them.</summary>
    public static void Refill()
    {
        if (Interlocked.Exchange(ref refilling, 1) != 0)
        {
            return;
        }

        ThreadPool.UnsafeQueueUserWorkItem(
            static _ =>
            {
                try
                {
                    while (true)
                    {
                        lock (Idle)
                        {
                            if (Idle.Count >= Target)
                            {
                                break;
                            }
                        }

                        SpawnedChild spare = Spawner.Spawn(LaunchPlan.Current, SpareEnvironment());
                        lock (Idle)
                        {
                            Idle.Enqueue(spare);
                            stocked.TrySetResult();
                            stocked = new(TaskCreationOptions.RunContinuationsAsynchronously);
                        }
                    }
                }
                catch (Exception e) when (e is IOException or PlatformNotSupportedException)
                {
                    // No spare this time: Take starts workers the ordinary way.
                }
                finally
                {
                    Volatile.Write(ref refilling, 0);
                }
            },
            null);
    }

    private static unsafe bool IsAlive(SpawnedChild child)
    {
        var fd = new Libc.PollFd { Fd = child.Pidfd, Events = Libc.POLLIN };
        return Libc.Poll(&fd, 1, 0) == 0;
    }

    private static void Discard(SpawnedChild child)
    {
        Libc.PidfdSendSignal(child.Pidfd, Libc.SIGKILL);
        Libc.Close(child.Control);
        Libc.Close(child.Stdout);
        Libc.Close(child.Stderr);
        ReapBlocking(child.Pidfd);
        Libc.Close(child.Pidfd);
    }

    private static unsafe void ReapBlocking(int pidfd)
    {
        var fd = new Libc.PollFd { Fd = pidfd, Events = Libc.POLLIN };
        while (Libc.Poll(&fd, 1, -1) < 0)
        {
        }

        Libc.TryReap(pidfd);
    }
}
