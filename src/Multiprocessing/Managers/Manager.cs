using System.Net;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Multiprocessing.Managers;

namespace Multiprocessing;

/// <summary>
/// A server process that holds objects for other processes, which use them through proxies (Python's
/// <c>multiprocessing.Manager()</c> and <c>BaseManager</c>).
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Start"/> starts the manager in a daemon child process listening on a Unix socket (or the address in
/// <see cref="ManagerOptions"/>) with an auth key; <see cref="Connect"/> connects to one that is already running,
/// from any process that has its address and key. Every connection proves it has the key before anything is
/// decoded (see <see cref="Listener"/>).
/// </para>
/// <para>
/// A proxy such as <see cref="ManagedDictionary{TKey, TValue}"/> sends each operation to the manager and waits for
/// its reply; an operation that throws there throws a <see cref="RemoteException"/> here, and a manager that is
/// gone makes calls throw <see cref="ManagerUnavailableException"/> at once. A proxy passed to a child process
/// (as an argument or a captured variable, declared as its own type) reconnects there with the same key.
/// </para>
/// <para>
/// The manager counts references to its objects, as Python's does: an object lives while a proxy's connection holds
/// it (until the proxy is disposed, collected, or its process ends), while a proxy sent to another process is on its
/// way there (the sender may dispose its own at once), and while a condition uses it as its lock; then it is dropped.
/// An object made by name stays as long as the manager.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// await using Manager manager = Manager.Start();
/// ManagedDictionary&lt;int, int&gt; d = manager.Dictionary&lt;int, int&gt;();
/// using (var child = ChildProcess.Start(static (ManagedDictionary&lt;int, int&gt; dic) => dic[1] = 100, d))
/// {
///     child.Join();
/// }
/// Console.WriteLine(d[1]);  // 100
/// </code>
/// </example>
public sealed partial class Manager : IDisposable, IAsyncDisposable
{
    private readonly ManagerChannel channel;

    /// <summary>The connections of the proxies this object made, closed with it; weakly held (a collected proxy's connection closes itself, see <see cref="ManagerChannel"/>).</summary>
    private readonly ConditionalWeakTable<ManagerChannel, object?> proxies = new();
    private ManagerServer? server;
    private int disposed;

    private Manager(EndPoint address, byte[] authKey, ChildProcess? process)
    {
        Address = address;
        AuthKeyCore = authKey;
        Process = process;
        channel = new ManagerChannel(address, authKey);
    }

    /// <summary>Where the manager listens.</summary>
    public EndPoint Address { get; }

    /// <summary>A copy of the key that clients of this manager must have.</summary>
    public byte[] AuthKey => (byte[])AuthKeyCore.Clone();

    /// <summary>The manager's process if <see cref="Start"/> started it; null for a manager reached by <see cref="Connect"/>.</summary>
    public ChildProcess? Process { get; }

    private byte[] AuthKeyCore { get; }

    /// <summary>Starts a manager in a new daemon child process and waits until it listens (Python's <c>Manager()</c>).</summary>
    /// <param name="options">Address, key, name and registered factories; null for a fresh Unix socket and a random key.</param>
    /// <returns>The running manager; dispose it to stop the process and every object it holds.</returns>
    /// <exception cref="ManagerUnavailableException">The manager process ended, or did not listen within <see cref="ManagerOptions.StartTimeout"/>; the inner exception says why.</exception>
    /// <exception cref="ArgumentException">The auth key is empty, or the address is of an unsupported kind, or a factory registered with <see cref="ManagerOptions.Register{TInterface}(Func{TInterface})"/> cannot be shipped to the manager's process (it captures a variable that cannot be encoded).</exception>
    public static Manager Start(ManagerOptions? options = null)
    {
        byte[] key = Client.CopyKey(options?.AuthKey, nameof(options)) ?? RandomNumberGenerator.GetBytes(32);
        string? where = options?.Address is { } address ? ManagerAddress.Format(address) : null;
        byte[]? registry = ManagerRegistry.Encode(options?.Registrations, options?.Initializer, nameof(options));
        (Connection mine, Connection theirs) = Pipe.Create();
        ChildProcess child;
        using (mine)
        {
            try
            {
                child = ChildProcess.Start(ManagerHost.Run, theirs, key, where, registry, new ChildProcessOptions { Daemon = true, Name = options?.Name, LoggerFactory = options?.LoggerFactory });
            }
            finally
            {
                theirs.Dispose();
            }

            try
            {
                using var timeout = new CancellationTokenSource(options?.StartTimeout ?? TimeSpan.FromSeconds(30));
                string listening = mine.Receive<string>(timeout.Token);
                return new Manager(ManagerAddress.Parse(listening), key, child);
            }
            catch (Exception e) when (e is EndOfStreamException or OperationCanceledException)
            {
                bool ended = child.Join(TimeSpan.FromSeconds(5));
                Exception cause = (ended ? child.Exception : null) ?? e;
                child.Dispose();
                throw new ManagerUnavailableException(
                    ended ? $"The manager process ended before it listened (exit code {child.ExitCode})." : "The manager process did not listen in time; it was killed.", cause);
            }
        }
    }

    /// <summary>Connects to a manager that is already running (Python's <c>BaseManager(address, authkey).connect()</c>).</summary>
    /// <param name="address">The manager's <see cref="Address"/>.</param>
    /// <param name="authKey">The manager's key.</param>
    /// <returns>The manager; disposing it closes this process's connections to the manager (its own and those of the proxies it made), not the manager.</returns>
    /// <exception cref="System.Security.Authentication.AuthenticationException">The key is not the manager's.</exception>
    /// <exception cref="ManagerUnavailableException">Nothing listens at <paramref name="address"/>.</exception>
    /// <exception cref="ArgumentException">The key is empty.</exception>
    public static Manager Connect(EndPoint address, byte[] authKey)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(authKey);
        var manager = new Manager(address, Client.CopyKey(authKey)!, null);
        try
        {
            manager.channel.Connect();
        }
        catch
        {
            manager.Dispose();
            throw;
        }

        return manager;
    }

    /// <summary>Creates an empty dictionary in the manager and returns a proxy to it (Python's <c>manager.dict()</c>).</summary>
    /// <typeparam name="TKey">The key type; keys are compared by their encoding.</typeparam>
    /// <typeparam name="TValue">The value type.</typeparam>
    /// <returns>The proxy.</returns>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    /// <exception cref="ObjectDisposedException">This manager object is disposed.</exception>
    public ManagedDictionary<TKey, TValue> Dictionary<TKey, TValue>()
        where TKey : notnull
    {
        ManagerChannel made = Create(ManagedKind.Dictionary, null, out long id);
        return new ManagedDictionary<TKey, TValue>(made, id);
    }

    /// <summary>
    /// Returns a proxy to the manager's dictionary named <paramref name="name"/>, creating it empty on first use, so
    /// that processes that only have the manager's address and key (see <see cref="Connect"/>) find the same one.
    /// </summary>
    /// <typeparam name="TKey">The key type; keys are compared by their encoding.</typeparam>
    /// <typeparam name="TValue">The value type.</typeparam>
    /// <param name="name">The name, unique in the manager; every user of it must use the same types.</param>
    /// <returns>The proxy.</returns>
    /// <exception cref="RemoteException">The name belongs to another kind of object.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    /// <exception cref="ObjectDisposedException">This manager object is disposed.</exception>
    public ManagedDictionary<TKey, TValue> Dictionary<TKey, TValue>(string name)
        where TKey : notnull
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ManagerChannel made = Create(ManagedKind.Dictionary, name, out long id);
        return new ManagedDictionary<TKey, TValue>(made, id);
    }

    /// <summary>Creates an empty list in the manager and returns a proxy to it (Python's <c>manager.list()</c>).</summary>
    /// <typeparam name="T">The item type; items are compared by their encoding.</typeparam>
    /// <returns>The proxy.</returns>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    /// <exception cref="ObjectDisposedException">This manager object is disposed.</exception>
    public ManagedList<T> List<T>() =>
        new(Create(ManagedKind.List, null, out long id), id);

    /// <summary>Returns a proxy to the manager's list named <paramref name="name"/>, creating it empty on first use.</summary>
    /// <typeparam name="T">The item type; items are compared by their encoding.</typeparam>
    /// <param name="name">The name, unique in the manager; every user of it must use the same type.</param>
    /// <returns>The proxy.</returns>
    /// <exception cref="RemoteException">The name belongs to another kind of object.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    /// <exception cref="ObjectDisposedException">This manager object is disposed.</exception>
    public ManagedList<T> List<T>(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return new(Create(ManagedKind.List, name, out long id), id);
    }

    /// <summary>Creates a value in the manager and returns a proxy to it (Python's <c>manager.Value(typecode, value)</c>).</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="value">The initial value.</param>
    /// <returns>The proxy.</returns>
    /// <exception cref="ArgumentException">The value cannot be encoded.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    /// <exception cref="ObjectDisposedException">This manager object is disposed.</exception>
    public ManagedValue<T> Value<T>(T value) =>
        new(Create(ManagedKind.Value, null, out long id, args => ItemCodec<T>.Write(args, value, nameof(value))), id);

    /// <summary>Returns a proxy to the manager's value named <paramref name="name"/>, creating it with <paramref name="value"/> on first use.</summary>
    /// <typeparam name="T">The value's type; every user of the name must use the same one.</typeparam>
    /// <param name="name">The name, unique in the manager.</param>
    /// <param name="value">The initial value, if the name is new.</param>
    /// <returns>The proxy.</returns>
    /// <exception cref="RemoteException">The name belongs to another kind of object.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    /// <exception cref="ObjectDisposedException">This manager object is disposed.</exception>
    public ManagedValue<T> Value<T>(string name, T value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return new(Create(ManagedKind.Value, name, out long id, args => ItemCodec<T>.Write(args, value, nameof(value))), id);
    }

    /// <summary>Creates a lock in the manager and returns a proxy to it (Python's <c>manager.Lock()</c>).</summary>
    /// <param name="name">A name by which other connections find the same lock; null for a new unnamed one.</param>
    /// <returns>The proxy.</returns>
    /// <exception cref="RemoteException">The name belongs to another kind of object.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    /// <exception cref="ObjectDisposedException">This manager object is disposed.</exception>
    public ManagedLock Lock(string? name = null) =>
        new(Create(ManagedKind.Lock, NameOrNull(name), out long id), id, reentrant: false);

    /// <summary>
    /// Creates a re-entrant lock in the manager and returns a proxy to it (Python's <c>manager.RLock()</c>): the
    /// proxy that holds it may acquire it again and must release it as often; only it may release it. As in Python,
    /// re-entrancy is per connection (per proxy), not per thread.
    /// </summary>
    /// <param name="name">A name by which other connections find the same lock; null for a new unnamed one.</param>
    /// <returns>The proxy.</returns>
    /// <exception cref="RemoteException">The name belongs to another kind of object.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    /// <exception cref="ObjectDisposedException">This manager object is disposed.</exception>
    public ManagedLock RLock(string? name = null) =>
        new(Create(ManagedKind.RLock, NameOrNull(name), out long id), id, reentrant: true);

    /// <summary>Creates an event in the manager and returns a proxy to it (Python's <c>manager.Event()</c>).</summary>
    /// <param name="name">A name by which other connections find the same event; null for a new unnamed one.</param>
    /// <returns>The proxy.</returns>
    /// <exception cref="RemoteException">The name belongs to another kind of object.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    /// <exception cref="ObjectDisposedException">This manager object is disposed.</exception>
    public ManagedEvent Event(string? name = null) =>
        new(Create(ManagedKind.Event, NameOrNull(name), out long id), id);

    /// <summary>Creates a semaphore in the manager and returns a proxy to it (Python's <c>manager.Semaphore(n)</c>; with a maximum, <c>BoundedSemaphore(n)</c>).</summary>
    /// <param name="initialCount">The permits free at first.</param>
    /// <param name="maximumCount">The most permits it may hold (releasing past it throws <see cref="SemaphoreFullException"/>); null for no bound.</param>
    /// <param name="name">A name by which other connections find the same semaphore (the counts then apply only if it is new); null for a new unnamed one.</param>
    /// <returns>The proxy.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="initialCount"/> is negative, or <paramref name="maximumCount"/> is less than 1 or than <paramref name="initialCount"/>.</exception>
    /// <exception cref="RemoteException">The name belongs to another kind of object.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    /// <exception cref="ObjectDisposedException">This manager object is disposed.</exception>
    public ManagedSemaphore Semaphore(int initialCount = 1, int? maximumCount = null, string? name = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(initialCount);
        if (maximumCount is { } max)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(max, Math.Max(1, initialCount), nameof(maximumCount));
        }

        ManagerChannel made = Create(ManagedKind.Semaphore, NameOrNull(name), out long id, args =>
        {
            args.WriteInt32(initialCount);
            args.WriteInt32(maximumCount ?? 0);
        });
        return new(made, id);
    }

    /// <summary>Creates an empty set in the manager and returns a proxy to it (Python's <c>manager.set()</c>).</summary>
    /// <typeparam name="T">The item type; items are compared by their encoding.</typeparam>
    /// <param name="name">A name by which other connections find the same set; null for a new unnamed one.</param>
    /// <returns>The proxy.</returns>
    /// <exception cref="RemoteException">The name belongs to another kind of object.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    /// <exception cref="ObjectDisposedException">This manager object is disposed.</exception>
    public ManagedSet<T> Set<T>(string? name = null)
        where T : notnull =>
        new(Create(ManagedKind.Set, NameOrNull(name), out long id), id);

    /// <summary>Creates an empty namespace in the manager and returns a proxy to it (Python's <c>manager.Namespace()</c>).</summary>
    /// <param name="name">A name by which other connections find the same namespace; null for a new unnamed one.</param>
    /// <returns>The proxy.</returns>
    /// <exception cref="RemoteException">The name belongs to another kind of object.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    /// <exception cref="ObjectDisposedException">This manager object is disposed.</exception>
    public ManagedNamespace Namespace(string? name = null) =>
        new(Create(ManagedKind.Namespace, NameOrNull(name), out long id), id);

    /// <summary>Creates a FIFO queue in the manager and returns a proxy to it (Python's <c>manager.Queue(maxsize)</c>).</summary>
    /// <typeparam name="T">The items' type.</typeparam>
    /// <param name="maxSize">The most items it holds (a put then waits); 0 for no bound.</param>
    /// <param name="name">A name by which other connections find the same queue (the size then applies only if it is new); null for a new unnamed one.</param>
    /// <returns>The proxy.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxSize"/> is negative.</exception>
    /// <exception cref="RemoteException">The name belongs to another kind of object.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    /// <exception cref="ObjectDisposedException">This manager object is disposed.</exception>
    public ManagedQueue<T> Queue<T>(int maxSize = 0, string? name = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxSize);
        return new(Create(ManagedKind.Queue, NameOrNull(name), out long id, args => args.WriteInt32(maxSize)), id);
    }

    /// <summary>Creates a FIFO queue that counts unfinished items in the manager and returns a proxy to it (Python's <c>manager.JoinableQueue(maxsize)</c>).</summary>
    /// <typeparam name="T">The items' type.</typeparam>
    /// <param name="maxSize">The most items it holds (a put then waits); 0 for no bound.</param>
    /// <param name="name">A name by which other connections find the same queue (the size then applies only if it is new); null for a new unnamed one.</param>
    /// <returns>The proxy.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxSize"/> is negative.</exception>
    /// <exception cref="RemoteException">The name belongs to another kind of object (a plain queue's name included).</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    /// <exception cref="ObjectDisposedException">This manager object is disposed.</exception>
    public ManagedJoinableQueue<T> JoinableQueue<T>(int maxSize = 0, string? name = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxSize);
        return new(Create(ManagedKind.JoinableQueue, NameOrNull(name), out long id, args => args.WriteInt32(maxSize)), id);
    }

    /// <summary>Creates a condition variable in the manager and returns a proxy to it (Python's <c>manager.Condition(lock)</c>).</summary>
    /// <param name="lock">The lock it uses, made by this manager (<see cref="Lock"/> or <see cref="RLock"/>); null for a re-entrant lock of its own, as in Python.</param>
    /// <param name="name">A name by which other connections find the same condition (the lock then applies only if it is new); null for a new unnamed one.</param>
    /// <returns>The proxy.</returns>
    /// <exception cref="ArgumentException"><paramref name="lock"/> belongs to another manager.</exception>
    /// <exception cref="RemoteException">The name belongs to another kind of object.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    /// <exception cref="ObjectDisposedException">This manager object is disposed.</exception>
    public ManagedCondition Condition(ManagedLock? @lock = null, string? name = null)
    {
        if (@lock is not null && ManagerAddress.Format(@lock.ManagerEndPoint) != ManagerAddress.Format(Address))
        {
            throw new ArgumentException($"The lock belongs to the manager at {Client.Describe(@lock.ManagerEndPoint)}, not to this one at {Client.Describe(Address)}.", nameof(@lock));
        }

        ManagerChannel made = Create(ManagedKind.Condition, NameOrNull(name), out long id, args => args.WriteInt64(@lock?.Id ?? 0));
        return new(made, id, reentrant: @lock?.IsReentrant ?? true);
    }

    /// <summary>Creates a barrier in the manager and returns a proxy to it (Python's <c>manager.Barrier(parties)</c>).</summary>
    /// <param name="parties">How many parties must arrive (1 or more).</param>
    /// <param name="name">A name by which other connections find the same barrier (the parties then apply only if it is new); null for a new unnamed one.</param>
    /// <returns>The proxy.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="parties"/> is less than 1.</exception>
    /// <exception cref="RemoteException">The name belongs to another kind of object.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    /// <exception cref="ObjectDisposedException">This manager object is disposed.</exception>
    public ManagedBarrier Barrier(int parties, string? name = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parties, 1);
        return new(Create(ManagedKind.Barrier, NameOrNull(name), out long id, args => args.WriteInt32(parties)), id);
    }

    /// <summary>Creates an array of <paramref name="length"/> zeroed elements in the manager and returns a proxy to it (Python's <c>manager.Array(typecode, [0] * n)</c>).</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="length">The number of elements, fixed.</param>
    /// <param name="name">A name by which other connections find the same array (the length then applies only if it is new); null for a new unnamed one.</param>
    /// <returns>The proxy.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">A named array already there holds elements of another size.</exception>
    /// <exception cref="RemoteException">The name belongs to another kind of object.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    /// <exception cref="ObjectDisposedException">This manager object is disposed.</exception>
    public ManagedArray<T> Array<T>(int length, string? name = null)
        where T : unmanaged
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return ArrayCore<T>(length, [], name);
    }

    /// <summary>Creates an array in the manager holding a copy of <paramref name="initial"/> and returns a proxy to it (Python's <c>manager.Array(typecode, sequence)</c>).</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="initial">The elements; their number is the array's fixed length.</param>
    /// <param name="name">A name by which other connections find the same array (the elements then apply only if it is new); null for a new unnamed one.</param>
    /// <returns>The proxy.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="initial"/> is null.</exception>
    /// <exception cref="InvalidOperationException">A named array already there holds elements of another size.</exception>
    /// <exception cref="RemoteException">The name belongs to another kind of object.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    /// <exception cref="ObjectDisposedException">This manager object is disposed.</exception>
    public ManagedArray<T> Array<T>(T[] initial, string? name = null)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(initial);
        return ArrayCore<T>(initial.Length, initial, name);
    }

    /// <summary>
    /// Serves a manager in this process, on background threads, until the returned object is disposed (Python's
    /// <c>BaseManager(address, authkey).get_server().serve_forever()</c>): other processes reach it with
    /// <see cref="Connect"/> and find its objects by name.
    /// </summary>
    /// <param name="options">Address (a fresh Unix socket if null; an <see cref="IPEndPoint"/> for TCP), key (random if null) and registered factories (called in this process, so they need not be shippable).</param>
    /// <returns>The manager, connected to itself; <see cref="Process"/> is null. Disposing it stops accepting clients and closes the proxies it made; other clients already connected are served until they disconnect.</returns>
    /// <exception cref="System.Net.Sockets.SocketException">The address cannot be bound.</exception>
    /// <exception cref="ArgumentException">The auth key is empty, or the address is of an unsupported kind.</exception>
    public static Manager Serve(ManagerOptions? options = null)
    {
        byte[] key = Client.CopyKey(options?.AuthKey, nameof(options)) ?? RandomNumberGenerator.GetBytes(32);
        var connections = new ConnectionOptions { LoggerFactory = options?.LoggerFactory };
        Listener listener = options?.Address is { } address ? Listener.Create(address, key, connections) : Listener.Create(key, connections);
        try
        {
            options?.Initializer?.Invoke();
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        var server = new ManagerServer(listener, ManagerRegistry.InProcess(options?.Registrations));
        var thread = new Thread(server.Run) { IsBackground = true, Name = options?.Name ?? "manager" };
        thread.Start();
        return new Manager(listener.Address, key, null) { server = server };
    }

    /// <summary>The first call only: closes this process's connection and stops serving (for <see cref="Serve"/>); false if disposed already.</summary>
    private bool BeginDispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return false;
        }

        channel.Dispose();
        foreach ((ManagerChannel made, _) in proxies)
        {
            made.Dispose();
        }

        server?.Dispose();
        return true;
    }

    /// <summary>Closes this process's connections to the manager (its own and those of the proxies it made: they then refuse use with <see cref="ObjectDisposedException"/>) and, for a manager that <see cref="Start"/> started, stops its process (SIGTERM, then SIGKILL if it has not ended within 5 s): every object it holds is gone.</summary>
    public void Dispose()
    {
        if (!BeginDispose())
        {
            return;
        }

        if (Process is { } process)
        {
            process.Terminate();
            if (!process.Join(TimeSpan.FromSeconds(5)))
            {
                process.Kill();
                process.Join();
            }

            process.Dispose();
        }
    }

    /// <summary>Stops the manager as <see cref="Dispose"/> does, waiting asynchronously.</summary>
    /// <returns>A task that completes when the manager process has ended.</returns>
    public async ValueTask DisposeAsync()
    {
        if (!BeginDispose())
        {
            return;
        }

        if (Process is { } process)
        {
            process.Terminate();
            try
            {
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                process.Kill();
                await process.WaitForExitAsync().ConfigureAwait(false);
            }

            await process.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The manager, for messages.</summary>
    /// <returns>"Manager at" and the address.</returns>
    public override string ToString() => $"Manager at {Client.Describe(Address)}";

    /// <exception cref="ArgumentException">The name is empty.</exception>
    private static string? NameOrNull(string? name)
    {
        if (name is not null)
        {
            ArgumentException.ThrowIfNullOrEmpty(name);
        }

        return name;
    }

    private ManagedArray<T> ArrayCore<T>(int length, T[] initial, string? name)
        where T : unmanaged
    {
        ManagerChannel made = Create(ManagedKind.Array, NameOrNull(name), out long id, args =>
        {
            args.WriteInt32(System.Runtime.CompilerServices.Unsafe.SizeOf<T>());
            args.WriteInt32(length);
            args.WriteBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(initial.AsSpan()));
        });
        return ManagedArray<T>.Open(made, id);
    }

    /// <summary>A new connection for a proxy this object makes, closed when this object is disposed.</summary>
    private ManagerChannel NewChannel()
    {
        var made = new ManagerChannel(Address, AuthKeyCore);
        proxies.Add(made, null);
        if (Volatile.Read(ref disposed) != 0)
        {
            made.Dispose(); // disposed meanwhile, after it closed the others: the proxy refuses use, as they do
        }

        return made;
    }

    /// <summary>
    /// Makes (or, by <paramref name="name"/>, finds) an object in the manager through a new connection, the proxy's,
    /// which then holds the manager's reference to it (see <see cref="ManagerChannel.Holds"/>): the object lives at
    /// least as long as the proxy's connection (a named one, as long as the manager).
    /// </summary>
    /// <returns>The proxy's connection; <paramref name="id"/> is the object's id.</returns>
    private ManagerChannel Create(ManagedKind kind, string? name, out long id, Action<WireBuffer>? writeInitial = null)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        ManagerChannel made = NewChannel();
        try
        {
            id = made.Call(
                ManagerOp.Create,
                0,
                (Kind: kind, Name: name, WriteInitial: writeInitial),
                static (args, a) =>
                {
                    args.WriteByte((byte)a.Kind);
                    args.WriteFramed(a.Name is null ? [] : System.Text.Encoding.UTF8.GetBytes(a.Name));
                    a.WriteInitial?.Invoke(args);
                },
                static (reply, _) => reply.ReadInt64());
        }
        catch
        {
            made.Dispose();
            throw;
        }

        made.Holds(id);
        return made;
    }
}
