using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Support;

/// <summary>Where shared objects live on disk, and waits on what the resource tracker does asynchronously.</summary>
internal static class ShmFiles
{
    public const string Directory = "/dev/shm";
    public const string Prefix = "mpnet-";

    /// <summary>A fresh name made of safe characters (kept as it is, with the prefix).</summary>
    public static string NewName(string what) => $"t-{what}-{Guid.NewGuid():N}";

    /// <summary>The documented file of a name made of letters, digits, '.', '_' and '-': <c>/dev/shm/mpnet-&lt;name&gt;</c>, or the name itself if it starts with the prefix.</summary>
    public static string PathOf(string name) =>
        Path.Combine(Directory, name.StartsWith(Prefix, StringComparison.Ordinal) ? name : Prefix + name);

    /// <summary>Our files in /dev/shm now.</summary>
    public static HashSet<string> List() =>
        [.. System.IO.Directory.EnumerateFiles(Directory, Prefix + "*")];

    /// <summary>
    /// Waits until <paramref name="path"/> no longer exists; false after 30 s. Removing a segment whose last user
    /// died is the resource tracker's asynchronous work, in another process that nothing here can wait on, so this
    /// polls the file with a short delay inside a deadline.
    /// </summary>
    public static async Task<bool> WaitUntilGoneAsync(string path)
    {
        long deadline = Environment.TickCount64 + (long)Within.Deadline.TotalMilliseconds;
        while (File.Exists(path))
        {
            if (Environment.TickCount64 > deadline)
            {
                return false;
            }

            await Task.Delay(20);
        }

        return true;
    }
}

/// <summary>Hand-offs between a test and its children.</summary>
internal static class Handoff
{
    /// <summary>Waits for <paramref name="ready"/>; fails at once if <paramref name="child"/> exits first, or after 30 s.</summary>
    public static void WaitReady(SharedEvent ready, ChildProcess child)
    {
        long deadline = Environment.TickCount64 + (long)Within.Deadline.TotalMilliseconds;
        while (!ready.TryWait(TimeSpan.FromMilliseconds(50)))
        {
            if (!child.IsAlive)
            {
                Assert.Fail($"{child} exited (exit code {child.ExitCode}, exception {child.Exception}) before it was ready.");
            }

            if (Environment.TickCount64 > deadline)
            {
                Assert.Fail($"{child} was not ready within {Within.Deadline.TotalSeconds} s.");
            }
        }
    }

    /// <summary>
    /// Waits until <paramref name="condition"/> (a read of shared state, e.g. a barrier's waiting count) holds;
    /// fails after 30 s or if one of <paramref name="children"/> exits meanwhile.
    /// </summary>
    public static void Until(Func<bool> condition, string what, params ChildProcess[] children)
    {
        long deadline = Environment.TickCount64 + (long)Within.Deadline.TotalMilliseconds;
        while (!SpinWait.SpinUntil(condition, TimeSpan.FromMilliseconds(20)))
        {
            foreach (ChildProcess child in children)
            {
                if (!child.IsAlive)
                {
                    Assert.Fail($"{child} exited (exit code {child.ExitCode}, exception {child.Exception}) while waiting until {what}.");
                }
            }

            if (Environment.TickCount64 > deadline)
            {
                Assert.Fail($"Not {what} within {Within.Deadline.TotalSeconds} s.");
            }
        }
    }

    /// <summary>The remote exception of a child that has exited, asserting that its target threw <typeparamref name="T"/>.</summary>
    public static RemoteException ThrewRemotely<T>(ChildProcess child)
        where T : Exception
    {
        child.JoinOrFail();
        RemoteException e = Assert.IsType<RemoteException>(child.Exception);
        Assert.Equal(typeof(T).FullName, e.RemoteType);
        return e;
    }
}

/// <summary>Children of one test: all killed and disposed at the end, whatever happened.</summary>
internal sealed class ChildGroup : IDisposable
{
    private readonly List<ChildProcess> children = [];

    public IReadOnlyList<ChildProcess> All => children;

    public T Add<T>(T child)
        where T : ChildProcess
    {
        children.Add(child);
        return child;
    }

    public void JoinAll()
    {
        foreach (ChildProcess child in children)
        {
            child.JoinOrFail();
        }
    }

    /// <summary>Joins every child and asserts that each one's target returned normally.</summary>
    public void JoinAllSucceeded()
    {
        JoinAll();
        foreach (ChildProcess child in children)
        {
            Assert.True(child.ExitCode == 0, $"{child} exited with {child.ExitCode}: {child.Exception}");
        }
    }

    public void Dispose()
    {
        foreach (ChildProcess child in children)
        {
            child.Kill();
        }

        foreach (ChildProcess child in children)
        {
            child.Dispose();
        }
    }
}

/// <summary>Child bodies shared by several tests (method groups: nothing is captured).</summary>
internal static class ChildBodies
{
    /// <summary>Acquires <paramref name="lk"/>, says ready, and holds it until killed.</summary>
    public static void HoldLockUntilKilled(SharedLock lk, SharedEvent ready)
    {
        _ = lk.Acquire(Within.Deadline);
        ready.Set();
        Thread.Sleep(Timeout.Infinite);
    }

    /// <summary>Acquires <paramref name="lk"/>, says ready, holds it until <paramref name="go"/>, then releases it.</summary>
    public static void HoldLockUntil(SharedLock lk, SharedEvent ready, SharedEvent go)
    {
        using (lk.Acquire(Within.Deadline))
        {
            ready.Set();
            go.Wait(Within.Deadline);
        }
    }

    /// <summary>Opens <paramref name="name"/>, says ready, and keeps it open until killed.</summary>
    public static void HoldSegmentUntilKilled(string name, SharedEvent ready)
    {
        SharedMemory m = SharedMemory.Open(name);
        GC.KeepAlive(m);
        ready.Set();
        Thread.Sleep(Timeout.Infinite);
    }

    /// <summary>Creates the segment <paramref name="name"/>, says ready, and keeps it open until killed.</summary>
    public static void CreateSegmentUntilKilled(string name, SharedEvent ready)
    {
        SharedMemory m = SharedMemory.Create(4096, name);
        GC.KeepAlive(m);
        ready.Set();
        Thread.Sleep(Timeout.Infinite);
    }

    /// <summary>Creates a listener, writes its address to the file <paramref name="addressFile"/> (whole, by a rename), and listens until killed.</summary>
    public static void ListenUntilKilled(string addressFile)
    {
        Listener listener = Listener.Create();
        File.WriteAllText(addressFile + ".tmp", listener.Address.ToString());
        File.Move(addressFile + ".tmp", addressFile);
        GC.KeepAlive(listener);
        Thread.Sleep(Timeout.Infinite);
    }
}

/// <summary>Signals sent to one thread of this process.</summary>
internal static partial class Signals
{
    public const int SIGWINCH = 28;

    /// <summary>The kernel's id of the calling thread.</summary>
    public static int CurrentThreadId() => Gettid();

    /// <summary>Sends <paramref name="signal"/> to thread <paramref name="tid"/> of this process.</summary>
    public static void SendToThread(int tid, int signal) => _ = Tgkill(Environment.ProcessId, tid, signal);

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int Gettid();

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "tgkill")]
    private static partial int Tgkill(int pid, int tid, int signal);
}

/// <summary>
/// Waits a test starts in the background and may leave pending if an assertion fails first: they must end before
/// the object they wait on is closed (closing unmaps its memory under the waiter).
/// </summary>
internal sealed class PendingWaits : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly List<Task> tasks = [];

    /// <summary>Cancels the waits that have not ended on dispose.</summary>
    public CancellationToken Token => stop.Token;

    public Task<T> Add<T>(Task<T> task)
    {
        tasks.Add(task);
        return task;
    }

    public Task Add(Task task)
    {
        tasks.Add(task);
        return task;
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        foreach (Task task in tasks)
        {
            // Their outcome is the test's business; here they only have to be over.
            await Task.WhenAny(task, Task.Delay(Within.Deadline));
        }

        stop.Dispose();
    }
}
