namespace Multiprocessing.Tests.Managers;

/// <summary>What a test reads of the manager's process: set there by the initializer.</summary>
public interface IInitializedState
{
    /// <summary>What the initializer left, and the pid it ran in.</summary>
    (string? Greeting, int Pid) Read();
}

/// <summary><see cref="ManagerOptions.Initializer"/> (Python's <c>manager.start(initializer)</c>): run in the manager's process before it serves.</summary>
public sealed class InitializerTests
{
    [Fact]
    public void Start_RunsTheInitializerInTheManagersProcess_BeforeItServes()
    {
        string greeting = "set up by the initializer"; // captured: it travels with the initializer
        var options = new ManagerOptions { Initializer = () => State.Set(greeting) }
            .Register<IInitializedState>(static () => new StateReader());
        using Manager manager = Manager.Start(options);

        IInitializedState state = manager.Create<IInitializedState>();
        (string? seen, int pid) = state.Read();

        Assert.Equal(greeting, seen);
        Assert.Equal(manager.Process!.Pid, pid);
    }

    [Fact]
    public void Start_AnInitializerThatThrows_ReportsItsException()
    {
        var options = new ManagerOptions { Initializer = static () => throw new InvalidOperationException("no database") };

        ManagerUnavailableException e = Assert.Throws<ManagerUnavailableException>(() => Manager.Start(options));
        RemoteException remote = Assert.IsType<RemoteException>(e.InnerException);
        Assert.Contains("no database", remote.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_AnInitializerThatCannotBeShipped_IsRefusedInTheCaller()
    {
        using var stream = new MemoryStream();
        var options = new ManagerOptions { Initializer = () => stream.WriteByte(1) };

        ArgumentException e = Assert.Throws<ArgumentException>(() => Manager.Start(options));
        Assert.Contains("initializer", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Serve_RunsTheInitializerInThisProcess_BeforeAcceptingClients()
    {
        int before = State.RunsHere;
        using Manager manager = Manager.Serve(new ManagerOptions { Initializer = static () => State.Set("here") });
        Assert.Equal(before + 1, State.RunsHere);

        Assert.Throws<InvalidOperationException>(() => Manager.Serve(new ManagerOptions { Initializer = static () => throw new InvalidOperationException("refused") }));
    }

    private static class State
    {
        private static int runs;

        public static string? Greeting { get; private set; }

        public static int RunsHere => Volatile.Read(ref runs);

        public static void Set(string greeting)
        {
            Greeting = greeting;
            Interlocked.Increment(ref runs);
        }
    }

    private sealed class StateReader : IInitializedState
    {
        public (string? Greeting, int Pid) Read() => (State.Greeting, Environment.ProcessId);
    }
}
