using System.Net;
using Microsoft.Extensions.Logging;
using Multiprocessing.Managers;

namespace Multiprocessing;

/// <summary>How <see cref="Manager.Start"/> starts a manager.</summary>
public sealed class ManagerOptions
{
    private readonly Dictionary<Type, ManagerRegistration> registrations = [];

    /// <summary>
    /// Where the manager listens: a <see cref="System.Net.Sockets.UnixDomainSocketEndPoint"/> or an
    /// <see cref="IPEndPoint"/> (port 0 for any free port); null (the default) for a fresh Unix socket in a private
    /// directory, as Python's default.
    /// </summary>
    public EndPoint? Address { get; init; }

    /// <summary>The key clients must have; null (the default) for 32 random bytes. Read it back from <see cref="Manager.AuthKey"/>.</summary>
    public byte[]? AuthKey { get; init; }

    /// <summary>The manager process's name; null for the default <c>ChildProcess-N</c>.</summary>
    public string? Name { get; init; }

    /// <summary>
    /// Where the manager logs (a client that failed its handshake, with its pid), and where the records of a manager
    /// process go (see <see cref="ChildProcessOptions.LoggerFactory"/>). Default: <see cref="MultiprocessingLogging.LoggerFactory"/>.
    /// </summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>
    /// Runs in the manager's process before it serves anyone (Python's <c>manager.start(initializer)</c>; pass
    /// arguments as captured variables, as with <see cref="ChildProcess.Start(Action, ChildProcessOptions?)"/>); null
    /// for nothing. <see cref="Manager.Start"/> ships it as a child's target is shipped, so it must be a static method
    /// or a lambda whose captured variables can be encoded; <see cref="Manager.Serve"/> calls it in this process, before
    /// it accepts clients.
    /// </summary>
    /// <remarks>If it throws, the manager does not start: <see cref="Manager.Start"/> throws
    /// <see cref="ManagerUnavailableException"/> whose inner exception is the initializer's (a <see cref="RemoteException"/>),
    /// and <see cref="Manager.Serve"/> throws the initializer's exception.</remarks>
    public Action? Initializer { get; init; }

    /// <summary>How long <see cref="Manager.Start"/> waits for the manager process to listen; default 30 s.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The factories registered with <see cref="Register{TInterface}(Func{TInterface})"/>.</summary>
    internal IReadOnlyCollection<ManagerRegistration> Registrations => registrations.Values;

    /// <summary>
    /// Registers the factory that makes the manager's objects of your own type <typeparamref name="TInterface"/>,
    /// which clients create with <see cref="Manager.Create{TInterface}(string?)"/> and use through a proxy that
    /// implements the interface (Python's <c>BaseManager.register(typeid, callable)</c>).
    /// </summary>
    /// <typeparam name="TInterface">The interface clients use the objects through; its methods' parameters and results must be encodable.</typeparam>
    /// <param name="factory">
    /// Makes one object. <see cref="Manager.Start"/> ships it to the manager's process the way
    /// <see cref="ChildProcess.Start(Action, ChildProcessOptions?)"/> ships a delegate, so it must be a static method or a
    /// lambda whose captured variables can be encoded; <see cref="Manager.Serve"/> calls it in this process as it is.
    /// </param>
    /// <returns>These options, to chain registrations.</returns>
    /// <remarks>
    /// Each call runs on a thread-pool thread of the manager's process (which gives no client a thread of its own),
    /// so the object's methods may run concurrently for different clients (as in Python, whose manager serves each
    /// client in a thread): the object must be thread-safe. A method that blocks holds its pool thread while it does
    /// (the pool adds threads when all of its own are held); one that returns a task is awaited without a thread. The manager drops an object once no proxy holds it (a named one stays as long as the manager); it does not dispose it, since a factory may hand out a shared instance.
    /// </remarks>
    /// <exception cref="ArgumentException"><typeparamref name="TInterface"/> is not an interface, or has a generic method or a ref, out or span parameter, or is already registered.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="factory"/> is null.</exception>
    public ManagerOptions Register<TInterface>(Func<TInterface> factory)
        where TInterface : class
    {
        ArgumentNullException.ThrowIfNull(factory);
        CustomInterface contract = CustomInterface.For(typeof(TInterface));
        if (!registrations.TryAdd(typeof(TInterface), new ManagerRegistration(contract, factory, () => factory())))
        {
            throw new ArgumentException($"A factory for {typeof(TInterface)} is already registered in these options.", nameof(factory));
        }

        return this;
    }
}
