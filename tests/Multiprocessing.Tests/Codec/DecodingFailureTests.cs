using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Codec;

/// <summary>
/// A value that encodes but cannot be rebuilt on the other side is reported as what it is: the child's error
/// when the child cannot decode its call, an <see cref="InvalidDataException"/> when the parent cannot decode
/// the result; never as a different build.
/// </summary>
public sealed class DecodingFailureTests
{
    /// <summary>What a <see cref="Percentage"/> of 150 would be encoded as, if its constructor let one be made.</summary>
    private static readonly int[] PercentageOf150 = [150];

    private static Percentage OutOfRange() => new(50) { Value = 150 };

    [Fact]
    public void Start_ArgumentTheChildCannotDecode_IsTheChildsRemoteExceptionNotAVersionMismatch()
    {
        using ChildProcess<int> child = ChildProcess.Start((Percentage p) => p.Value, OutOfRange());
        child.JoinOrFail();

        Assert.Equal(1, child.ExitCode);
        RemoteException e = Assert.IsType<RemoteException>(child.Exception);
        Assert.Equal("System.IO.InvalidDataException", e.RemoteType);
        Assert.Contains("could not decode its call", e.RemoteMessage, StringComparison.Ordinal);
        Assert.Contains("ArgumentOutOfRangeException", e.RemoteMessage, StringComparison.Ordinal);
        Assert.Contains("150", e.RemoteMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("build", e.Message, StringComparison.Ordinal);
        Assert.Equal("System.ArgumentOutOfRangeException", Assert.IsType<RemoteException>(e.InnerException).RemoteType);
        Assert.Same(e, Assert.Throws<RemoteException>(() => child.Result));
    }

    [Fact]
    public void Start_CapturedVariableTheChildCannotDecode_IsTheChildsRemoteException()
    {
        Percentage captured = OutOfRange();
        using ChildProcess child = ChildProcess.Start(() => Console.WriteLine(captured.Value));
        child.JoinOrFail();

        Assert.Equal(1, child.ExitCode);
        RemoteException e = Assert.IsType<RemoteException>(child.Exception);
        Assert.Contains("could not decode its call", e.RemoteMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Result_ValueTheParentCannotDecode_ThrowsInvalidDataExceptionNamingTypeAndCause()
    {
        using ChildProcess<Percentage> child = ChildProcess.Start(OutOfRange);
        child.JoinOrFail();

        Assert.Equal(0, child.ExitCode);
        Assert.Null(child.Exception);
        InvalidDataException e = Assert.Throws<InvalidDataException>(() => child.Result);
        Assert.Contains(typeof(Percentage).FullName!, e.Message, StringComparison.Ordinal);
        Assert.Contains(child.Name, e.Message, StringComparison.Ordinal);
        Assert.Contains("ArgumentOutOfRangeException", e.Message, StringComparison.Ordinal);
        Assert.Contains("150", e.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidDataException>(Assert.Throws<InvalidDataException>(() => child.Result));
    }

    [Fact]
    public async Task ResultAsync_ValueTheParentCannotDecode_ThrowsInvalidDataException()
    {
        using ChildProcess<List<Percentage>> child = ChildProcess.Start(() => new List<Percentage> { new(1), OutOfRange() });
        using var timeout = new CancellationTokenSource(Within.Deadline);

        InvalidDataException e = await Assert.ThrowsAsync<InvalidDataException>(() => child.ResultAsync(timeout.Token));

        Assert.Contains("List<Multiprocessing.Tests.Support.Percentage>", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Encoded messages that are not an <see cref="int"/>, one of each kind.</summary>
    public static TheoryData<string, byte[]> NotAnInt => new()
    {
        { "uint64 above int.MaxValue", [0xcf, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff] },
        { "uint32 above int.MaxValue", [0xce, 0xff, 0xff, 0xff, 0xff] },
        { "int64 below int.MinValue", [0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0] },
        { "truncated uint16", [0xcd, 0x01] },
        { "a string", [0xa3, (byte)'a', (byte)'b', (byte)'c'] },
        { "a float64", [0xcb, 0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18] },
        { "the never-used code 0xc1", [0xc1] },
        { "nothing", [] },
    };

    [Theory]
    [MemberData(nameof(NotAnInt))]
    public void Receive_PayloadThatIsNotTheDeclaredType_ThrowsInvalidDataExceptionWithTheCauseInside(string what, byte[] payload)
    {
        (Connection a, Connection b) = Pipe.Create();
        using (a)
        using (b)
        {
            a.SendBytes(payload);
            InvalidDataException e = Assert.Throws<InvalidDataException>(() => b.Receive<int>());

            Assert.True(e.InnerException is not null, $"{what}: the cause is kept inside");
            Assert.Contains("could not be decoded as System.Int32", e.Message, StringComparison.Ordinal);
            a.Send(7);
            Assert.Equal(7, b.Receive<int>()); // the bad message was consumed; the connection goes on
        }
    }

    [Fact]
    public void Receive_IntegerOutOfTheDeclaredRange_KeepsTheOverflowInside()
    {
        (Connection a, Connection b) = Pipe.Create();
        using (a)
        using (b)
        {
            a.Send(long.MaxValue);
            InvalidDataException e = Assert.Throws<InvalidDataException>(() => b.Receive<int>());

            Assert.IsType<OverflowException>(e.InnerException);
            Assert.Contains("OverflowException", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ReceiveAsync_FromAChildSendingALong_ThrowsInvalidDataException()
    {
        (Connection parentEnd, Connection childEnd) = Pipe.Create();
        using (parentEnd)
        {
            using ChildProcess child = ChildProcess.Start(static (Connection c) => c.Send(long.MinValue), childEnd);
            childEnd.Dispose();
            using var timeout = new CancellationTokenSource(Within.Deadline);

            InvalidDataException e = await Assert.ThrowsAsync<InvalidDataException>(async () => await parentEnd.ReceiveAsync<int>(timeout.Token));

            Assert.IsType<OverflowException>(e.InnerException);
            child.JoinOrFail();
        }
    }

    [Fact]
    public void Receive_ValueItsOwnTypeRefuses_ThrowsInvalidDataException()
    {
        (Connection a, Connection b) = Pipe.Create();
        using (a)
        using (b)
        {
            a.Send(PercentageOf150);
            InvalidDataException e = Assert.Throws<InvalidDataException>(() => b.Receive<Percentage>());

            Assert.Contains("ArgumentOutOfRangeException", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Get_ItemOutOfTheDeclaredRange_ThrowsInvalidDataExceptionAndConsumesIt()
    {
        using SharedQueue<long> longs = SharedQueue.Create<long>();
        using SharedQueue<int> ints = SharedQueue.Open<int>(longs.Name);
        longs.Put(long.MaxValue);
        longs.Put(5);

        InvalidDataException e = Assert.Throws<InvalidDataException>(() => ints.Get(Within.Deadline));

        Assert.IsType<OverflowException>(e.InnerException);
        Assert.Equal(5, ints.Get(Within.Deadline));
    }
}
