using System.Runtime.InteropServices;
using Multiprocessing;

namespace Tour.Chapters;

/// <summary>
/// Seed: 什么是进程 › 常见通信机制 › 信号: signals are one of the ways processes talk to each other. The seed only names
/// them (it has no example), so this chapter sits with the process chapters: a child handles signals its parent
/// sends, a signal without a handler ends a child, and SIGTERM ends one cleanly.
/// </summary>
internal sealed class Signals : IChapter
{
    /// <summary>Linux signal numbers the BCL's <see cref="PosixSignal"/> has no name for: cast them, as PosixSignalRegistration takes them.</summary>
    private const PosixSignal SIGUSR1 = (PosixSignal)10;

    private const PosixSignal SIGUSR2 = (PosixSignal)12;

    /// <summary>How long a child in this chapter waits for a signal before it gives up (it never has to).</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public string Name => "signal";

    public string Title => "常见通信机制 › 信号 (signals: a child handles the signals its parent sends)";

    public void Run()
    {
        Say.Part("a handler: the child handles SIGUSR1 and SIGHUP (signal.signal), the parent sends them (os.kill)");
        Handled();

        Say.Part("no handler: SIGUSR2's default action ends the child");
        Unhandled();

        Say.Part("SIGTERM: Terminate(), and a child that stops cleanly");
        Terminated();

        Say.Note("os.kill(p.pid, signal.SIGUSR1) is p.SendSignal((PosixSignal)10): .NET's PosixSignal names ten signals (SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGCHLD, SIGCONT, SIGWINCH, SIGTTIN, SIGTTOU, SIGTSTP), and any other is its Linux number cast to PosixSignal. It goes through the child's pidfd, so never to another process that got the same pid; once the child has exited it does nothing.");
        Say.Note("signal.signal(sig, handler) is PosixSignalRegistration.Create(sig, handler), in the child's target; disposing the registration puts the default action back (signal.signal(sig, SIG_DFL)). The handler runs on another thread of the child, not on its main thread as in Python, and sets context.Cancel = true, or the signal's default action follows it (for SIGUSR1, the end of the child). Have the child say when its handler is registered before you send: until then the default action applies.");
        Say.Note("SIGINT without a handler ends a child with exit code -2 (a Python child raises KeyboardInterrupt and exits with 1). Ctrl+C in a terminal sends SIGINT to the parent and its children alike. A signal the parent ignores (nohup's SIGHUP; SIGINT in a script's background job) stays ignored in its children, and their handlers for it never run.");
    }

    private static void Handled()
    {
        using SharedEvent ready = SharedEvent.Create();
        using SharedSemaphore handled = SharedSemaphore.Create(0);
        using ChildProcess<string[]> child = ChildProcess.Start(Worker, ready, handled);
        ready.Wait(Patience);
        Console.WriteLine($"{child.Name} has registered its handlers");

        (PosixSignal Signal, string Shown)[] sends =
        [
            (SIGUSR1, "(PosixSignal)10)  // SIGUSR1"),
            (SIGUSR1, "(PosixSignal)10)  // SIGUSR1"),
            (PosixSignal.SIGHUP, "PosixSignal.SIGHUP)"),
        ];
        foreach ((PosixSignal signal, string shown) in sends)
        {
            Console.WriteLine($"parent: child.SendSignal({shown}");
            child.SendSignal(signal);
            if (!handled.TryAcquire(Patience)) // the child's handler has run: one signal at a time
            {
                throw new TimeoutException($"{child.Name} did not handle {signal}.");
            }
        }

        foreach (string line in child.Result)
        {
            Console.WriteLine($"{child.Name}: {line}");
        }

        Console.WriteLine($"{child.Name} exit code: {child.ExitCode}");
        Say.Note("the child writes down what its handlers did and returns it, and the parent prints it: printed by the child, its lines could reach the console before or after the parent's. The parent waits for each signal to be handled before it sends the next: two SIGUSR1s sent at once may be delivered as one, in any POSIX process.");
    }

    // def worker(ready): signal.signal(signal.SIGUSR1, on_usr1); signal.signal(signal.SIGHUP, on_hup); ready.set(); ...
    private static string[] Worker(SharedEvent ready, SharedSemaphore handled)
    {
        var said = new List<string>();
        using var hangUp = new ManualResetEventSlim();
        int usr1 = 0;
        using PosixSignalRegistration onUsr1 = PosixSignalRegistration.Create(SIGUSR1, context =>
        {
            context.Cancel = true; // handled: no default action
            int n = Interlocked.Increment(ref usr1);
            lock (said)
            {
                said.Add($"SIGUSR1 #{n}, on {Where()}");
            }

            handled.Release();
        });
        using PosixSignalRegistration onHup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            lock (said)
            {
                said.Add($"SIGHUP, on {Where()}: time to stop");
            }

            hangUp.Set();
            handled.Release();
        });
        ready.Set();

        hangUp.Wait(Patience); // the main thread's work; here, waiting for SIGHUP
        lock (said)
        {
            said.Add($"the main thread returns after {Volatile.Read(ref usr1)} SIGUSR1 and a SIGHUP");
            return [.. said];
        }
    }

    private static string Where() => Thread.CurrentThread.IsThreadPoolThread ? "a thread-pool thread" : $"thread '{Thread.CurrentThread.Name}'";

    private static void Unhandled()
    {
        using SharedEvent ready = SharedEvent.Create();
        using ChildProcess<int> child = ChildProcess.Start(static (SharedEvent r) =>
        {
            r.Set();
            Thread.Sleep(Patience);
            return 0;
        }, ready);
        ready.Wait(Patience);

        Console.WriteLine("parent: child.SendSignal((PosixSignal)12)  // SIGUSR2");
        child.SendSignal(SIGUSR2);
        child.Join();
        Console.WriteLine($"{child.Name} exit code: {child.ExitCode}");
        try
        {
            _ = child.Result;
        }
        catch (ProcessDiedException e)
        {
            Console.WriteLine($"child.Result throws ProcessDiedException, Signal = {e.Signal}");
        }

        child.SendSignal(SIGUSR2);
        Console.WriteLine("parent: child.SendSignal((PosixSignal)12) again, after the exit: nothing happens");
    }

    private static void Terminated()
    {
        using SharedEvent ready = SharedEvent.Create();
        using ChildProcess<string> child = ChildProcess.Start(static (SharedEvent r) =>
        {
            CancellationToken stop = CurrentProcess.TerminationToken;
            r.Set();
            return stop.WaitHandle.WaitOne(Patience) ? "told to stop: cleaned up and returned" : "never told to stop";
        }, ready);
        ready.Wait(Patience);

        Console.WriteLine("parent: child.Terminate()  // SIGTERM");
        child.Terminate();
        Console.WriteLine($"{child.Name} returned \"{child.Result}\", exit code {child.ExitCode}");
        Say.Note("p.terminate() is p.Terminate(): SIGTERM. A child that reads CurrentProcess.TerminationToken sees it fire and may finish cleanly, as here; one that never reads it ends at once with exit code -15, as in Python. A child may also register its own SIGTERM handler: if it sets context.Cancel, the child goes on and the token does not fire.");
    }
}
