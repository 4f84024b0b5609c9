using Multiprocessing.Managers;

namespace Multiprocessing;

public sealed partial class Manager
{
    /// <summary>
    /// Makes an object of your own type in the manager, with the factory registered for
    /// <typeparamref name="TInterface"/> (see <see cref="ManagerOptions.Register{TInterface}(Func{TInterface})"/>),
    /// and returns a proxy that implements the interface by calling the object in the manager (Python's
    /// <c>manager.Maths()</c> after <c>MyManager.register('Maths', MathsClass)</c>).
    /// </summary>
    /// <typeparam name="TInterface">The registered interface.</typeparam>
    /// <param name="name">A name by which other connections find the same object (the factory runs only for the first); null for a new unnamed one.</param>
    /// <returns>
    /// The proxy. Each call encodes its arguments as the parameters' declared types (an argument that cannot be
    /// encoded throws <see cref="ArgumentException"/> here, and nothing is sent), runs the method in the manager,
    /// and returns its result; an exception thrown there throws <see cref="RemoteException"/> here. Methods that
    /// return <see cref="Task"/>, <see cref="Task{TResult}"/>, <see cref="ValueTask"/> or
    /// <see cref="ValueTask{TResult}"/> are awaited in the manager and return a task here that makes the call on the
    /// thread pool (so calls started without awaiting the one before may reach the manager in any order). The proxy also implements <see cref="IDisposable"/>: disposing it closes its connection; the
    /// object is dropped once no proxy holds it (a named one stays as long as the manager). Pass it to a child process as an argument or captured variable declared
    /// as <typeparamref name="TInterface"/>: it reconnects there to the same object.
    /// </returns>
    /// <exception cref="ArgumentException"><typeparamref name="TInterface"/> is not an interface, or has a generic method or a ref, out or span parameter; or <paramref name="name"/> is empty.</exception>
    /// <exception cref="RemoteException">The manager has no factory for <typeparamref name="TInterface"/> (the message names it), or the factory threw, or the name belongs to another kind of object or another interface.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    /// <exception cref="ObjectDisposedException">This manager object is disposed.</exception>
    public TInterface Create<TInterface>(string? name = null)
        where TInterface : class
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        CustomInterface contract = CustomInterface.For(typeof(TInterface));
        ManagerChannel made = Create(ManagedKind.Custom, NameOrNull(name), out long id, args => ManagerRegistry.WriteRequest(args, contract));
        return (TInterface)CustomProxy.Create(typeof(TInterface), made, id);
    }
}
