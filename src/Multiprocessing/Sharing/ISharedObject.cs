namespace Multiprocessing.Sharing;

/// <summary>
/// A shared object that crosses to another process as a small descriptor (its segment's name) and is reopened
/// there, so that both processes work on the same object (see <see cref="SharedObjectResolver"/>).
/// </summary>
/// <typeparam name="TSelf">The implementing type.</typeparam>
internal interface ISharedObject<TSelf>
    where TSelf : class, ISharedObject<TSelf>
{
    /// <summary>What another process needs to reopen this object.</summary>
    string Descriptor { get; }

    /// <summary>Reopens the object described by <paramref name="descriptor"/>.</summary>
    static abstract TSelf Reopen(string descriptor);
}
