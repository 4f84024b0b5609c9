namespace Multiprocessing.Managers;

/// <summary>
/// A proxy that crosses to another process as its manager's address, key and the object's id, and is made there
/// over a new connection: the one way every plain proxy does it (a lock's proxy also says whether it is re-entrant,
/// an array's its length, so they describe themselves).
/// </summary>
/// <typeparam name="TSelf">The proxy's type.</typeparam>
internal interface IManagedObject<TSelf> : Sharing.ISharedObject<TSelf>
    where TSelf : ManagedProxy, IManagedObject<TSelf>
{
    /// <inheritdoc/>
    string Sharing.ISharedObject<TSelf>.Descriptor => ((ManagedProxy)this).Describe();

    /// <summary>A proxy to the object <paramref name="id"/> over <paramref name="channel"/>.</summary>
    static abstract TSelf Make(ManagerChannel channel, long id);

    /// <inheritdoc/>
    static TSelf Sharing.ISharedObject<TSelf>.Reopen(string descriptor)
    {
        ManagerChannel channel = ManagerChannel.FromDescriptor(descriptor, out long id);
        return TSelf.Make(channel, id);
    }
}
