using System.Net;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Managers;

/// <summary>What a child may be given: the counter's readable part only.</summary>
public interface IReadOnlyCounter
{
    long Value { get; }
}

/// <summary>A user's own type, served by a manager through this interface.</summary>
public interface ICounter : IReadOnlyCounter
{
    new long Value { get; set; }

    string Label { get; set; }

    int Calls { get; }

    long Add(long delta);

    int ProcessId();

    void Fail(string message);

    void Remember(object note);

    Task<long> AddLaterAsync(long delta);

    ValueTask<long> AddLaterValueAsync(long delta);

    Task ResetAsync();

    Task FailLaterAsync(string message);
}

/// <summary>An interface no manager in these tests registers.</summary>
public interface IUnregistered
{
    int Answer();
}

/// <summary>A second registered interface, which extends <see cref="IDisposable"/>.</summary>
public interface IGreeter : IDisposable
{
    string Greet(string name);

    int Disposals { get; }
}

/// <summary>Counts the disposals it is asked for: a proxy's Dispose must not reach it.</summary>
public sealed class Greeter : IGreeter
{
    private int disposals;

    public int Disposals => Volatile.Read(ref disposals);

    public string Greet(string name) => $"hello, {name}, from {Environment.ProcessId}";

    public void Dispose() => Interlocked.Increment(ref disposals);
}

/// <summary>A generic interface, registered for one type argument.</summary>
public interface IBox<T>
{
    T Item { get; set; }

    IReadOnlyList<T> History();
}

/// <summary>Keeps every item it was given.</summary>
public sealed class Box<T> : IBox<T>
{
    private readonly List<T> history = [];

    public T Item
    {
        get
        {
            lock (history)
            {
                return history[^1];
            }
        }

        set
        {
            lock (history)
            {
                history.Add(value);
            }
        }
    }

    public IReadOnlyList<T> History()
    {
        lock (history)
        {
            return [.. history];
        }
    }
}

/// <summary>The implementation, in the manager's process. Thread-safe: clients are served concurrently.</summary>
public sealed class Counter(long start = 0) : ICounter
{
    private readonly Lock gate = new();
    private long value = start;
    private string label = string.Empty;
    private int calls;

    public long Value
    {
        get
        {
            lock (gate)
            {
                return value;
            }
        }

        set
        {
            lock (gate)
            {
                this.value = value;
            }
        }
    }

    public string Label
    {
        get
        {
            lock (gate)
            {
                return label;
            }
        }

        set
        {
            lock (gate)
            {
                label = value;
            }
        }
    }

    public int Calls => Volatile.Read(ref calls);

    public long Add(long delta)
    {
        Interlocked.Increment(ref calls);
        lock (gate)
        {
            value += delta;
            return value;
        }
    }

    public int ProcessId() => Environment.ProcessId;

    public void Fail(string message) => throw new InvalidOperationException(message);

    public void Remember(object note) => Interlocked.Increment(ref calls);

    public async Task<long> AddLaterAsync(long delta)
    {
        await Task.Yield();
        return Add(delta);
    }

    public async ValueTask<long> AddLaterValueAsync(long delta)
    {
        await Task.Yield();
        return Add(delta);
    }

    public async Task ResetAsync()
    {
        await Task.Yield();
        Value = 0;
    }

    public async Task FailLaterAsync(string message)
    {
        await Task.Yield();
        throw new TimeoutException(message);
    }
}

/// <summary>Objects of the user's own types, made in the manager by a registered factory and used through proxies of their interface.</summary>
public sealed class CustomTypeTests
{
    private static ManagerOptions CounterOptions(EndPoint? address = null) =>
        new ManagerOptions { Address = address }.Register<ICounter>(static () => new Counter());

    [Fact]
    public void ParentAndTwoChildren_CallTheSameObject_InTheManagersProcess()
    {
        using Manager manager = Manager.Start(CounterOptions());
        ICounter counter = manager.Create<ICounter>();
        Assert.Equal(5, counter.Add(5));

        using ChildProcess a = ChildProcess.Start(AddOneHundredTimes, counter);
        using ChildProcess b = ChildProcess.Start(() => AddOneHundredTimes(counter)); // captured, declared as the interface
        a.JoinOrFail();
        b.JoinOrFail();

        Assert.Equal(0, a.ExitCode);
        Assert.Equal(0, b.ExitCode);
        Assert.Equal(205, counter.Value);
        Assert.Equal(201, counter.Calls);
        Assert.Equal(manager.Process!.Pid, counter.ProcessId());
        Assert.NotEqual(Environment.ProcessId, counter.ProcessId());
    }

    [Fact]
    public void ProxyPassedAsABaseInterface_ReadsTheSameObject()
    {
        using Manager manager = Manager.Start(CounterOptions());
        ICounter counter = manager.Create<ICounter>();
        counter.Add(42);

        using ChildProcess<long> child = ChildProcess.Start(static (IReadOnlyCounter c) => c.Value, (IReadOnlyCounter)counter);

        Assert.Equal(42, child.ResultOrFail());
    }

    [Fact]
    public void NamedCreation_ReturnsTheSameInstance_UnnamedANewOne()
    {
        using Manager manager = Manager.Start(CounterOptions());
        ICounter first = manager.Create<ICounter>("shared");
        ICounter second = manager.Create<ICounter>("shared");
        ICounter other = manager.Create<ICounter>();

        first.Add(3);

        Assert.Equal(3, second.Value);
        Assert.Equal(0, other.Value);
        using ManagedDictionary<string, int> d = manager.Dictionary<string, int>("dict");
        RemoteException e = Assert.Throws<RemoteException>(() => manager.Create<ICounter>("dict"));
        Assert.Contains("'dict'", e.RemoteMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void TwoRegisteredInterfaces_ANameBelongsToOne_AndAnIDisposableInterfaceDisposesOnlyTheProxy()
    {
        using Manager manager = Manager.Start(CounterOptions().Register<IGreeter>(static () => new Greeter()));
        ICounter counter = manager.Create<ICounter>("taken");
        IGreeter greeter = manager.Create<IGreeter>("greeter");
        IGreeter again = manager.Create<IGreeter>("greeter");

        Assert.Equal($"hello, you, from {manager.Process!.Pid}", greeter.Greet("you"));
        RemoteException e = Assert.Throws<RemoteException>(() => manager.Create<IGreeter>("taken"));
        Assert.Contains(nameof(ICounter), e.RemoteMessage, StringComparison.Ordinal);
        Assert.Contains(nameof(IGreeter), e.RemoteMessage, StringComparison.Ordinal);
        Assert.Equal(1, counter.Add(1));

        greeter.Dispose();

        Assert.Throws<ObjectDisposedException>(() => greeter.Greet("again"));
        Assert.Equal(0, again.Disposals);
    }

    [Fact]
    public void GenericInterface_RegisteredForOneTypeArgument_CrossesToAChild()
    {
        using Manager manager = Manager.Start(new ManagerOptions().Register<IBox<Point>>(static () => new Box<Point>()));
        IBox<Point> box = manager.Create<IBox<Point>>();
        box.Item = new Point(1, 2);

        using (ChildProcess child = ChildProcess.Start(static (IBox<Point> b) => b.Item = new Point(b.Item.X + 10, 3), box))
        {
            child.JoinOrFail();
            Assert.Equal(0, child.ExitCode);
        }

        Assert.Equal([new Point(1, 2), new Point(11, 3)], box.History());
        RemoteException e = Assert.Throws<RemoteException>(() => manager.Create<IBox<string>>());
        Assert.Contains("IBox", e.RemoteMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void MethodThatThrows_ReachesTheCallerAsRemoteException_AndTheProxyGoesOn()
    {
        using Manager manager = Manager.Start(CounterOptions());
        ICounter counter = manager.Create<ICounter>();

        RemoteException e = Assert.Throws<RemoteException>(() => counter.Fail("no such thing"));

        Assert.Equal(typeof(InvalidOperationException).FullName, e.RemoteType);
        Assert.Equal("no such thing", e.RemoteMessage);
        Assert.Equal(manager.Process!.Pid, e.ProcessId);
        Assert.Contains(nameof(Counter.Fail), e.RemoteStackTrace, StringComparison.Ordinal);
        Assert.Equal(1, counter.Add(1));
    }

    [Fact]
    public async Task TaskReturningMethods_AreAwaitedInTheManager_AndReturnTheirResults()
    {
        using Manager manager = Manager.Start(CounterOptions());
        ICounter counter = manager.Create<ICounter>();

        Assert.Equal(10, await counter.AddLaterAsync(10));
        Assert.Equal(15, await counter.AddLaterValueAsync(5));
        Assert.Equal(15, counter.Value);
        await counter.ResetAsync();
        Assert.Equal(0, counter.Value);

        RemoteException e = await Assert.ThrowsAsync<RemoteException>(() => counter.FailLaterAsync("after a yield"));
        Assert.Equal(typeof(TimeoutException).FullName, e.RemoteType);
        Assert.Equal("after a yield", e.RemoteMessage);
    }

    [Fact]
    public void Properties_GetAndSet_InTheManager()
    {
        using Manager manager = Manager.Start(CounterOptions());
        ICounter writer = manager.Create<ICounter>("p");
        ICounter reader = manager.Create<ICounter>("p");

        writer.Label = "bright";
        writer.Value = 99;

        Assert.Equal("bright", reader.Label);
        Assert.Equal(99, reader.Value);
        Assert.Equal(99, ((IReadOnlyCounter)reader).Value);
    }

    [Fact]
    public void ArgumentThatCannotBeEncoded_FailsInTheCaller_AndNothingIsSent()
    {
        using Manager manager = Manager.Start(CounterOptions());
        ICounter counter = manager.Create<ICounter>();
        counter.Remember("a string crosses as object");
        Assert.Equal(1, counter.Calls);

        using var stream = new MemoryStream();
        ArgumentException e = Assert.Throws<ArgumentException>(() => counter.Remember(stream));

        Assert.Equal("note", e.ParamName);
        Assert.Contains("MemoryStream", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, counter.Calls);
    }

    [Fact]
    public void UnregisteredInterface_IsRefusedByTheManager_NamingIt()
    {
        using Manager manager = Manager.Start(CounterOptions());

        RemoteException e = Assert.Throws<RemoteException>(() => manager.Create<IUnregistered>());

        Assert.Contains(typeof(IUnregistered).FullName!, e.RemoteMessage, StringComparison.Ordinal);
        Assert.Contains(typeof(ICounter).FullName!, e.RemoteMessage, StringComparison.Ordinal); // what is registered
        Assert.Throws<ArgumentException>(() => manager.Create<Counter>());
        Assert.Equal(1, manager.Create<ICounter>().Add(1)); // the manager goes on
    }

    [Fact]
    public void ClientThatConnects_CreatesARegisteredObject_AndFindsTheNamedOne()
    {
        using Manager manager = Manager.Start(CounterOptions());
        ICounter mine = manager.Create<ICounter>("shared");
        mine.Add(7);

        using Manager other = Manager.Connect(manager.Address, manager.AuthKey);
        ICounter theirs = other.Create<ICounter>("shared");
        ICounter fresh = other.Create<ICounter>();

        Assert.Equal(8, theirs.Add(1));
        Assert.Equal(8, mine.Value);
        Assert.Equal(2, fresh.Add(2));
    }

    [Fact]
    public void ServeInThisProcess_FactoryNeedNotBeShippable_AndChildrenConnectToIt()
    {
        using var log = new StringWriter(); // a TextWriter cannot cross: this factory could not be shipped
        ManagerOptions options = new ManagerOptions { Address = new IPEndPoint(IPAddress.Loopback, 0) }
            .Register<ICounter>(() =>
            {
                log.WriteLine("made a counter");
                return new Counter(1000);
            });

        using (Manager server = Manager.Serve(options))
        {
            int port = ((IPEndPoint)server.Address).Port;
            using ChildProcess<long> a = ChildProcess.Start(AddThroughConnect, port, server.AuthKey);
            using ChildProcess<long> b = ChildProcess.Start(AddThroughConnect, port, server.AuthKey);
            Assert.Equal(Environment.ProcessId, (int)a.ResultOrFail());
            Assert.Equal(Environment.ProcessId, (int)b.ResultOrFail());

            ICounter shared = server.Create<ICounter>("shared");
            Assert.Equal(1200, shared.Value);
        }

        Assert.Equal("made a counter" + Environment.NewLine, log.ToString());
        ArgumentException e = Assert.Throws<ArgumentException>(() => Manager.Start(options));
        Assert.Contains(nameof(ICounter), e.Message, StringComparison.Ordinal);
        Assert.Contains("StringWriter", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FactoryCapturingEncodableVariables_IsShippedWithThem()
    {
        long start = 40;
        string label = "from the parent";
        using Manager manager = Manager.Start(new ManagerOptions().Register<ICounter>(() => new Counter(start) { Label = label }));

        ICounter counter = manager.Create<ICounter>();

        Assert.Equal(42, counter.Add(2));
        Assert.Equal("from the parent", counter.Label);
    }

    [Fact]
    public void ManagerKilled_CustomProxyCallFailsPromptly_WithManagerUnavailableException()
    {
        using Manager manager = Manager.Start(CounterOptions());
        ICounter counter = manager.Create<ICounter>();
        counter.Add(1);

        manager.Process!.Kill();
        manager.Process.JoinOrFail();

        Within.Returns(
            () =>
            {
                Assert.Throws<ManagerUnavailableException>(() => counter.Add(1));
                Assert.Throws<ManagerUnavailableException>(() => counter.Value);
                Assert.Throws<ManagerUnavailableException>(() => manager.Create<ICounter>());
            },
            "a call to a dead manager");
    }

    [Fact]
    public void Proxy_IsDisposable_AndClosesOnlyItsConnection()
    {
        using Manager manager = Manager.Start(CounterOptions());
        ICounter first = manager.Create<ICounter>("d");
        ICounter second = manager.Create<ICounter>("d");
        first.Add(1);

        ((IDisposable)first).Dispose();

        Assert.Throws<ObjectDisposedException>(() => first.Add(1));
        Assert.Equal(2, second.Add(1));
        Assert.Contains(nameof(ICounter), first.ToString(), StringComparison.Ordinal);
    }

    private static void AddOneHundredTimes(ICounter counter)
    {
        for (int i = 0; i < 100; i++)
        {
            counter.Add(1);
        }
    }

    private static long AddThroughConnect(int port, byte[] key)
    {
        using Manager manager = Manager.Connect(new IPEndPoint(IPAddress.Loopback, port), key);
        ICounter counter = manager.Create<ICounter>("shared");
        counter.Add(100);
        return counter.ProcessId();
    }
}
