using System.Diagnostics;

namespace Multiprocessing.Tests.Support;

/// <summary>Bounded waits: a hang fails the test after 30 s instead of blocking the run.</summary>
internal static class Within
{
    /// <summary>How long to wait for something that is expected to happen.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>Joins <paramref name="child"/>, failing the test if it is still running after 30 s.</summary>
    public static void JoinOrFail(this ChildProcess child) =>
        Assert.True(child.Join(Deadline), $"{child} did not exit within {Deadline.TotalSeconds} s.");

    /// <summary>Joins with a deadline, then reads <see cref="ChildProcess{TResult}.Result"/>.</summary>
    public static T ResultOrFail<T>(this ChildProcess<T> child)
    {
        child.JoinOrFail();
        return child.Result;
    }

    /// <summary>
    /// Waits until <paramref name="path"/> exists (the child creates it to say "ready"). Fails if the child
    /// exits first or 30 s pass. The child's exit is the poll's wait, so no sleep is involved.
    /// </summary>
    public static void WaitForFile(string path, ChildProcess child)
    {
        var clock = Stopwatch.StartNew();
        while (!File.Exists(path))
        {
            if (child.Join(TimeSpan.FromMilliseconds(5)))
            {
                Assert.Fail($"{child} exited (exit code {child.ExitCode}, exception {child.Exception}) before it created {path}.");
            }

            if (clock.Elapsed > Deadline)
            {
                Assert.Fail($"{child} did not create {path} within {Deadline.TotalSeconds} s.");
            }
        }
    }

    /// <summary>Runs <paramref name="action"/> on another thread and fails if it has not returned after 30 s.</summary>
    public static void Returns(Action action, string what)
    {
        Task task = Task.Run(action);
        Assert.True(task.Wait(Deadline), $"{what} did not return within {Deadline.TotalSeconds} s.");
    }
}
