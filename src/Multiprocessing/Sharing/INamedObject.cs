namespace Multiprocessing.Sharing;

/// <summary>
/// A shared object that crosses to another process as its name, and is opened there by it with its public
/// <c>Open(name)</c>: the one way the synchronization primitives and <see cref="SharedMemory"/> do it.
/// </summary>
/// <typeparam name="TSelf">The implementing type.</typeparam>
internal interface INamedObject<TSelf> : ISharedObject<TSelf>
    where TSelf : class, INamedObject<TSelf>
{
    /// <summary>The name other processes open it by.</summary>
    string Name { get; }

    /// <inheritdoc/>
    string ISharedObject<TSelf>.Descriptor => Name;

    /// <summary>Opens the object named <paramref name="name"/>, created by this or another process.</summary>
    static abstract TSelf Open(string name);

    /// <inheritdoc/>
    static TSelf ISharedObject<TSelf>.Reopen(string descriptor) => TSelf.Open(descriptor);
}
