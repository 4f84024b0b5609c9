using System.Net;
using System.Net.Sockets;
using Multiprocessing.Synchronization;

namespace Multiprocessing.Managers;

/// <summary>
/// One connection to a manager, for one proxy (or the manager object itself) in this process: a request, then its
/// reply, one at a time on the wire. Connects on the first call.
/// </summary>
/// <remarks>
/// The connection holds the manager's reference to the proxy's object (<see cref="Holds"/>): the manager drops the
/// object once no connection, pin or name holds it. A channel made from a descriptor (a proxy that crossed from
/// another process) connects at once and takes over the reference the sender pinned for it (see <see cref="Describe"/>);
/// a connection made anew (after <see cref="Invoke"/> abandoned one) takes a reference again
/// before the old one closes.
/// </remarks>
/// <remarks>
/// The wire (the connection, the request buffer, sending a request, receiving its reply and reading it) is owned by
/// one caller at a time through a <see cref="FairLock"/>, which blocking callers (<see cref="Call"/>) and awaiting
/// ones (<see cref="CallAsync"/>) take alike: a sliced wait that asks again after each slice cannot keep the calls
/// that came meanwhile (the Put that an awaited Get on the same proxy waits for) off the wire for longer than the
/// lock's starvation limit.
/// </remarks>
internal sealed partial class ManagerChannel : IDisposable
{
    /// <summary>
    /// The longest wait, in milliseconds, that one request asks of the manager when the caller's
    /// <see cref="CancellationToken"/> can be cancelled: the wait is made of such slices, and the token is checked
    /// between them, so a cancellation is seen within one slice. Without a cancellable token the whole wait is one request.
    /// </summary>
    public const int SliceMilliseconds = 100;

    /// <summary>Writes a blocking operation's only argument, its wait.</summary>
    public static readonly Action<WireBuffer, long> WriteMilliseconds = static (args, ms) => args.WriteInt64(ms);

    /// <summary>Reads a reply that is one bool, the success.</summary>
    public static readonly ReplyParser<bool> ParseBool = static (WireReader reply, out bool result) => result = reply.ReadBool();

    private readonly WireBuffer request = new();
    private readonly FairLock wire = new();
    private readonly Lock connecting = new();
    private byte[] reply = new byte[4096];
    private Connection? connection;
    private Connection? socket;
    private bool broken;
    private bool disposed;

    /// <summary>The object whose reference each connection of this channel takes (<see cref="ManagerOp.Attach"/>); 0 for none.</summary>
    private long heldId;

    /// <summary>The pin (see <see cref="ManagerOp.Pin"/>) whose reference the first connection takes over; 0 once taken, or for none.</summary>
    private long pinToken;

    public ManagerChannel(EndPoint address, byte[] authKey)
    {
        Address = address;
        AuthKey = authKey;
    }

    public EndPoint Address { get; }

    public byte[] AuthKey { get; }

    /// <summary>
    /// What a proxy to object <paramref name="objectId"/> crosses to another process as: the object's id and a pin,
    /// the key and the address. The pin is a reference to the object that the manager holds for the receiver until its
    /// connection takes it over (<see cref="FromDescriptor"/>), so that the object outlives this proxy if the sender
    /// drops it before the receiver has connected. A pin that is never taken over (a descriptor never decoded) holds
    /// the object until the manager ends. If the pin cannot be made (the manager is gone, or the object already
    /// dropped), the descriptor has none, and the receiver's proxy throws when it is used.
    /// </summary>
    public string Describe(long objectId) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{objectId}/{Pin(objectId)}|{Convert.ToBase64String(AuthKey)}|{ManagerAddress.Format(Address)}");

    /// <summary>
    /// A new channel to the manager named in <paramref name="descriptor"/> (see <see cref="Describe"/>), and the
    /// object's id. It connects now and takes over the descriptor's pin; if the manager cannot be reached now, it
    /// tries again on the first call, which then throws as any call to a missing manager does.
    /// </summary>
    /// <exception cref="InvalidDataException">Not such a descriptor.</exception>
    public static ManagerChannel FromDescriptor(string descriptor, out long objectId)
    {
        string[] parts = descriptor.Split('|', 3);
        string[] ids = parts[0].Split('/', 2);
        long token = 0;
        if (parts.Length != 3 || !long.TryParse(ids[0], System.Globalization.CultureInfo.InvariantCulture, out objectId) ||
            (ids.Length == 2 && !long.TryParse(ids[1], System.Globalization.CultureInfo.InvariantCulture, out token)))
        {
            throw new InvalidDataException($"Not a manager proxy: '{descriptor}'.");
        }

        var channel = new ManagerChannel(ManagerAddress.Parse(parts[2]), Convert.FromBase64String(parts[1])) { heldId = objectId, pinToken = token };
        try
        {
            channel.Connect();
        }
        catch (Exception e) when (e is ManagerUnavailableException or RemoteException or IOException or SocketException or System.Security.Authentication.AuthenticationException)
        {
            // Not now: the first call connects again (taking the pin over if it still can) and reports why it cannot.
        }

        return channel;
    }

    /// <summary>
    /// This channel's connection holds the reference to object <paramref name="objectId"/> that the manager gave it
    /// when it created (or found) the object; a connection made anew takes one again.
    /// </summary>
    public void Holds(long objectId) => heldId = objectId;

    /// <summary>
    /// A channel whose proxy was dropped without being disposed (the proxy was collected; the README's examples do
    /// not dispose them): closes the connection, so that the manager ends this client's session (releasing the
    /// locks it held) and frees the thread, pipe and socket it served it with, and this process its descriptors and
    /// mapping. Nothing else refers to a channel but its proxy (and the calls under way on it, which keep it alive).
    /// </summary>
    ~ManagerChannel() => Close();

    /// <summary>
    /// Closes the connection at once, without waiting for the wire: a call waiting in the manager (for
    /// a lock, an item...) holds them, and must not hold up the disposal; it ends with an
    /// <see cref="ObjectDisposedException"/> as its connection closes.
    /// </summary>
    public void Dispose()
    {
        Close();
        GC.SuppressFinalize(this);
    }

    private void Close()
    {
        Volatile.Write(ref disposed, true);
        lock (connecting)
        {
            connection?.Dispose();
            socket?.Dispose();
        }
    }

    /// <summary>Throws <see cref="ObjectDisposedException"/> for <paramref name="owner"/>, the proxy on this channel, once the channel is disposed (members that do not call the manager).</summary>
    public void ThrowIfDisposed(object owner) => ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed), owner);

    private ManagerUnavailableException Unavailable(Exception e) =>
        new($"The manager at {Client.Describe(Address)} cannot be reached: its process has ended or closed the connection ({e.GetType().Name}: {e.Message}).", e);
}
