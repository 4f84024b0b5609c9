using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Connections;

/// <summary>Where a listener listens, and what it leaves behind.</summary>
[SupportedOSPlatform("linux")]
public sealed class ListenerAddressTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void Create_WithoutAddress_ListensOnASocketInAPrivateDirectory_RemovedOnDispose()
    {
        string path;
        using (Listener listener = Listener.Create())
        {
            UnixDomainSocketEndPoint address = Assert.IsType<UnixDomainSocketEndPoint>(listener.Address);
            path = address.ToString()!;
            Assert.True(Path.IsPathRooted(path), path);
            Assert.True(File.Exists(path), path);
            string directory = Path.GetDirectoryName(path)!;
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(directory));
        }

        Assert.False(File.Exists(path));
        Assert.False(Directory.Exists(Path.GetDirectoryName(path)));
    }

    [Fact]
    public void Create_TwoWithoutAddress_GetDifferentAddresses()
    {
        using Listener a = Listener.Create();
        using Listener b = Listener.Create();
        Assert.NotEqual(a.Address.ToString(), b.Address.ToString());
    }

    [Fact]
    public void Create_AtUnixPath_ListensThere_AndRemovesTheFileOnClose()
    {
        string path = temp.NewPath("sock");
        var listener = Listener.Create(new UnixDomainSocketEndPoint(path));
        Assert.Equal(path, listener.Address.ToString());
        Assert.True(File.Exists(path));

        (Connection a, Connection b) = Listeners.Pair(listener);
        a.Dispose();
        b.Dispose();
        listener.Close();

        Assert.True(listener.IsClosed);
        Assert.False(File.Exists(path));
        Assert.True(Directory.Exists(temp.Path)); // only the socket file is ours
    }

    [Fact]
    public void Create_InAbstractNamespace_Connects()
    {
        var address = new UnixDomainSocketEndPoint("\0mpnet-test-" + Guid.NewGuid().ToString("N"));
        using Listener listener = Listener.Create(address);
        (Connection a, Connection b) = Listeners.Pair(listener);
        using (a)
        using (b)
        {
            b.Send(3);
            Assert.Equal(3, a.Receive<int>());
        }
    }

    [Fact]
    public void CreateTcp_BindsLoopbackOnAFreePort()
    {
        using Listener listener = Listener.CreateTcp();
        IPEndPoint address = Assert.IsType<IPEndPoint>(listener.Address);
        Assert.Equal(IPAddress.Loopback, address.Address);
        Assert.NotEqual(0, address.Port);
    }

    [Fact]
    public async Task Create_AtIPEndPoint_UsesItAsGiven()
    {
        using Listener listener = Listener.Create(new IPEndPoint(IPAddress.Any, 0));
        IPEndPoint address = Assert.IsType<IPEndPoint>(listener.Address);
        Assert.Equal(IPAddress.Any, address.Address);

        Task<Connection> connect = Client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, address.Port)).AsTask();
        using Connection accepted = await listener.AcceptAsyncWithin();
        using Connection client = await connect.WaitAsync(Within.Deadline);
        client.Send("over any");
        Assert.Equal("over any", accepted.Receive<string>());
    }

    [Fact]
    public void Create_AtDnsEndPoint_IsRefused()
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => Listener.Create(new DnsEndPoint("localhost", 0)));
        Assert.Equal("address", e.ParamName);
    }

    [Fact]
    public void Create_WithEmptyKey_IsRefused()
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => Listener.Create(authKey: []));
        Assert.Equal("authKey", e.ParamName);
        Assert.Throws<ArgumentException>(() => Client.Connect(new UnixDomainSocketEndPoint(temp.NewPath("none")), []));
    }

    [Fact]
    public void Options_OutOfRange_AreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConnectionOptions { MaxMessageSize = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConnectionOptions { HandshakeTimeout = TimeSpan.Zero });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConnectionOptions { Backlog = 0 });
        Assert.Equal(64 * 1024 * 1024, new ConnectionOptions().MaxMessageSize);
        Assert.Equal(TimeSpan.FromSeconds(10), new ConnectionOptions().HandshakeTimeout);
    }

    [Fact]
    public void Accept_AfterClose_ThrowsObjectDisposed()
    {
        var listener = Listener.Create();
        listener.Dispose();
        Assert.Throws<ObjectDisposedException>(() => listener.Accept());
    }

    [Fact]
    public async Task Close_FromAnotherThread_EndsABlockedAccept()
    {
        var listener = Listener.Create();
        Task<Connection> accept = Task.Run(listener.Accept);
        await Task.WhenAny(accept, Task.Delay(Listeners.Short)); // let it reach its wait (if not, the outcome is the same)
        Assert.False(accept.IsCompleted);
        listener.Close();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => accept.WaitAsync(Within.Deadline));
    }

    [Fact]
    public void Key_ChangedByTheCallerAfterCreate_DoesNotChangeTheListenersKey()
    {
        byte[] key = Listeners.Key(1);
        using Listener listener = Listener.Create(key);
        key[0] = 99;
        (Connection a, Connection b) = Listeners.Pair(listener, Listeners.Key(1));
        a.Dispose();
        b.Dispose();
    }
}
