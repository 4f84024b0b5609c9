namespace Multiprocessing;

/// <summary>A lock that hands out <see cref="LockHandle"/>s.</summary>
internal interface IHandleOwner
{
    /// <summary>Releases the acquisition <paramref name="ticket"/> stands for, if it is still the current one.</summary>
    void ReleaseTicket(int ticket);
}
