namespace Multiprocessing.Tests.Hosting;

/// <summary>What the hosting tests run in pool workers: static methods, so that a worker process needs only this assembly.</summary>
internal static class HostedPoolTargets
{
    /// <summary>The worker's pid.</summary>
    public static int Pid() => Environment.ProcessId;

    /// <summary>Waits until <paramref name="path"/> exists, then returns 42: a task the test holds and lets go.</summary>
    public static int WaitForFile(string path)
    {
        while (!File.Exists(path))
        {
            Thread.Sleep(10);
        }

        return 42;
    }

    /// <summary>An initializer that fails: the pool is broken.</summary>
    public static void FailingInitializer() => throw new InvalidOperationException("no GPU here");
}
