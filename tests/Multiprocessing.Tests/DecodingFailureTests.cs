using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests;

/// <summary>
/// A value that encodes but cannot be rebuilt on the other side is reported as what it is: the child's error
/// when the child cannot decode its call, an <see cref="InvalidDataException"/> when the parent cannot decode
/// the result; never as a different build.
/// </summary>
public sealed class DecodingFailureTests
{
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
}
