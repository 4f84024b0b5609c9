using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Processes;

/// <summary>An exception thrown by the target reaches the caller as a <see cref="RemoteException"/> describing it.</summary>
public sealed class RemoteExceptionTests
{
    [Fact]
    public void Result_WhenTargetThrows_CarriesTypeMessageStackTraceAndProcess()
    {
        using ChildProcess<int> child = ChildProcess.Start<string, int>(Throwers.ThrowInvalidOperationFromDeepInside, "it broke");
        child.JoinOrFail();

        RemoteException e = Assert.Throws<RemoteException>(() => child.Result);

        Assert.Equal("System.InvalidOperationException", e.RemoteType);
        Assert.Equal("it broke", e.RemoteMessage);
        Assert.Contains("it broke", e.Message, StringComparison.Ordinal);
        Assert.NotNull(e.RemoteStackTrace);
        Assert.Contains("Level2", e.RemoteStackTrace, StringComparison.Ordinal);
        Assert.Contains(nameof(Throwers.ThrowInvalidOperationFromDeepInside), e.RemoteStackTrace, StringComparison.Ordinal);
        Assert.Equal(child.Name, e.ProcessName);
        Assert.Equal(child.Pid, e.ProcessId);
        Assert.Null(e.InnerException);
    }

    [Fact]
    public void Result_WhenTargetThrows_ExitCodeIsOneAndExceptionPropertyIsSet()
    {
        using ChildProcess<int> child = ChildProcess.Start<string, int>(Throwers.ThrowInvalidOperationFromDeepInside, "exit one");
        child.JoinOrFail();

        Assert.Equal(1, child.ExitCode);
        RemoteException fromProperty = Assert.IsType<RemoteException>(child.Exception);
        Assert.Equal("exit one", fromProperty.RemoteMessage);
    }

    [Fact]
    public void Result_WhenTargetThrows_ThrowsEveryTimeItIsRead()
    {
        using ChildProcess<int> child = ChildProcess.Start<string, int>(Throwers.ThrowInvalidOperationFromDeepInside, "again");
        child.JoinOrFail();

        RemoteException first = Assert.Throws<RemoteException>(() => child.Result);
        RemoteException second = Assert.Throws<RemoteException>(() => child.Result);

        Assert.Equal("again", first.RemoteMessage);
        Assert.Equal("again", second.RemoteMessage);
        Assert.Equal(first.RemoteType, second.RemoteType);
    }

    [Fact]
    public async Task ResultAsync_WhenTargetThrows_ThrowsRemoteException()
    {
        using ChildProcess<int> child = ChildProcess.Start<string, int>(Throwers.ThrowInvalidOperationFromDeepInside, "async read");
        using var timeout = new CancellationTokenSource(Within.Deadline);

        RemoteException e = await Assert.ThrowsAsync<RemoteException>(() => child.ResultAsync(timeout.Token));

        Assert.Equal("async read", e.RemoteMessage);
    }

    [Fact]
    public void Exception_WhenTargetThrowsChain_PreservesInnerExceptionsAsRemoteExceptions()
    {
        using ChildProcess child = ChildProcess.Start(Throwers.ThrowChained);
        child.JoinOrFail();

        Assert.Equal(1, child.ExitCode);
        RemoteException outer = Assert.IsType<RemoteException>(child.Exception);
        Assert.Equal(typeof(ApplicationFailureException).FullName, outer.RemoteType);
        Assert.Equal("outer failure", outer.RemoteMessage);
        Assert.Contains(nameof(Throwers.ThrowChained), outer.RemoteStackTrace, StringComparison.Ordinal);

        RemoteException middle = Assert.IsType<RemoteException>(outer.InnerException);
        Assert.Equal("System.ArgumentException", middle.RemoteType);
        Assert.Equal("middle failure", middle.RemoteMessage);

        RemoteException innermost = Assert.IsType<RemoteException>(middle.InnerException);
        Assert.Equal("System.FormatException", innermost.RemoteType);
        Assert.Equal("innermost failure", innermost.RemoteMessage);
        Assert.Null(innermost.InnerException);
    }

    [Fact]
    public void Result_WhenAsyncTargetThrowsAfterAwait_CarriesTheOriginalExceptionNotAggregate()
    {
        using ChildProcess<int> child = ChildProcess.Start(Throwers.ThrowAfterAwaitAsync);
        child.JoinOrFail();

        RemoteException e = Assert.Throws<RemoteException>(() => child.Result);

        Assert.Equal("System.TimeoutException", e.RemoteType);
        Assert.Equal("async failure", e.RemoteMessage);
        Assert.Contains(nameof(Throwers.ThrowAfterAwaitAsync), e.RemoteStackTrace, StringComparison.Ordinal);
        Assert.Equal(1, child.ExitCode);
    }

    [Fact]
    public void Exception_WhenActionLambdaThrowsNestedExceptionType_RemoteTypeIsItsFullName()
    {
        using ChildProcess child = ChildProcess.Start(() => throw new NestedFailureException("from a lambda"));
        child.JoinOrFail();

        RemoteException e = Assert.IsType<RemoteException>(child.Exception);
        Assert.Equal(typeof(NestedFailureException).FullName, e.RemoteType);
        Assert.Equal("from a lambda", e.RemoteMessage);
    }

    [Fact]
    public void Exception_WhenTargetThrowsOperationCanceledWithoutTerminate_IsAnOrdinaryFailure()
    {
        using ChildProcess child = ChildProcess.Start(() => throw new OperationCanceledException("cancelled by itself"));
        child.JoinOrFail();

        Assert.Equal(1, child.ExitCode);
        RemoteException e = Assert.IsType<RemoteException>(child.Exception);
        Assert.Equal("System.OperationCanceledException", e.RemoteType);
    }

    [Fact]
    public void Exception_WhenTargetSucceeds_IsNull()
    {
        using ChildProcess<int> child = ChildProcess.Start(() => 1);

        Assert.Equal(1, child.ResultOrFail());
        Assert.Null(child.Exception);
        Assert.Equal(0, child.ExitCode);
    }

    public sealed class NestedFailureException : Exception
    {
        public NestedFailureException()
        {
        }

        public NestedFailureException(string message)
            : base(message)
        {
        }

        public NestedFailureException(string message, Exception innerException)
            : base(message, innerException)
        {
        }
    }
}
