using System.Reflection;

namespace Multiprocessing.Tests.Pools;

/// <summary>
/// ProcessPool stops a worker from outside its lock, on a timer thread (a task's timeout, a <c>CancelAfter</c>), while
/// the worker may exit and be disposed by its reader at the same moment. Such a stop must do nothing to a disposed
/// worker: an exception there is unhandled on a timer thread and kills the parent.
/// </summary>
/// <remarks>
/// The race is a few instructions wide, so these tests stage its outcome directly: they hand the pool's stopping
/// steps a worker that has already exited and been disposed, as the reader would have left it.
/// </remarks>
public sealed class ProcessPoolWorkerRaceTests
{
    [Fact]
    public void StoppingACancelledTasksWorker_ThatExitedAndWasDisposedMeanwhile_DoesNotThrow()
    {
        using var pool = new ProcessPool(new ProcessPoolOptions { WorkerCount = 1, CancelGracePeriod = TimeSpan.Zero });
        ChildProcess worker = ExitedAndDisposedChild();
        MethodInfo stop = typeof(ProcessPool).GetMethod("StopGracefully", BindingFlags.Instance | BindingFlags.NonPublic)!;

        Exception? thrown = Record.Exception(() => stop.Invoke(pool, [worker]));

        Assert.Null(thrown); // It threw ObjectDisposedException from ChildProcess.Terminate.
    }

    private static ChildProcess ExitedAndDisposedChild()
    {
        ChildProcess child = ChildProcess.Start(static () => { });
        child.Join();
        child.Dispose();
        return child;
    }
}
