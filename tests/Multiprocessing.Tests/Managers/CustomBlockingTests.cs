using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Managers;

/// <summary>A user's object whose method blocks until another client opens it.</summary>
public interface IGate
{
    bool WaitOpen(int timeoutMs);

    void Open();

    int Waiting { get; }
}

/// <summary>The implementation, in the manager's process.</summary>
public sealed class Gate : IGate
{
    private readonly object gate = new();
    private bool isOpen;
    private int waiting;

    public int Waiting
    {
        get
        {
            lock (gate)
            {
                return waiting;
            }
        }
    }

    public bool WaitOpen(int timeoutMs)
    {
        lock (gate)
        {
            waiting++;
            try
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                while (!isOpen)
                {
                    int left = timeoutMs - (int)clock.ElapsedMilliseconds;
                    if (left <= 0 || !Monitor.Wait(gate, left))
                    {
                        return isOpen;
                    }
                }

                return true;
            }
            finally
            {
                waiting--;
            }
        }
    }

    public void Open()
    {
        lock (gate)
        {
            isOpen = true;
            Monitor.PulseAll(gate);
        }
    }
}

/// <summary>
/// The manager serves its connections without a thread each, but a user's object may block in its own methods:
/// clients blocked there (more of them than the machine has cores, the thread pool's first threads) hold up no
/// other client, whose calls are still served.
/// </summary>
public sealed class CustomBlockingTests
{
    private const int Blocked = 8;

    [Fact]
    public async Task ClientsBlockedInACustomMethod_DoNotHoldUpAnotherClient()
    {
        using Manager manager = Manager.Start(new ManagerOptions().Register<IGate>(static () => new Gate()));
        IGate opener = manager.Create<IGate>("gate");
        var waiters = new List<IGate>();
        var calls = new List<Task<bool>>();
        for (int i = 0; i < Blocked; i++)
        {
            IGate waiter = manager.Create<IGate>("gate");
            waiters.Add(waiter);
            calls.Add(Task.Factory.StartNew(() => waiter.WaitOpen((int)Within.Deadline.TotalMilliseconds), TaskCreationOptions.LongRunning));
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (opener.Waiting < Blocked)
        {
            Assert.True(clock.Elapsed < Within.Deadline, $"{opener.Waiting} of {Blocked} clients wait in the object");
            Thread.Sleep(20);
        }

        opener.Open(); // served while every waiter still blocks in the manager
        bool[] opened = await Task.WhenAll(calls).WaitAsync(Within.Deadline); // a TimeoutException if they were not released
        Assert.All(opened, o => Assert.True(o, "a waiter timed out: the opener was not served in time"));
        foreach (IGate w in waiters)
        {
            ((IDisposable)w).Dispose();
        }

        ((IDisposable)opener).Dispose();
    }
}
