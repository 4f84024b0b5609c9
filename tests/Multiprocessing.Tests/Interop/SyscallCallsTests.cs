using Multiprocessing.Interop;
using Multiprocessing.Synchronization;

namespace Multiprocessing.Tests.Interop;

/// <summary>
/// The numbers of this process's architecture reach the right system calls: each call below answers in a way
/// only that call does (a wrong number is another call, or ENOSYS, and fails them).
/// </summary>
public sealed unsafe class SyscallCallsTests
{
    [Fact]
    public void FutexWake_OnAWordNobodySleepsOn_WakesNobody()
    {
        int word = 0;
        Assert.Equal(0, Libc.FutexWake(&word, int.MaxValue));
    }

    [Fact]
    public void FutexWait_TimesOutOnAnUnchangedWord_AndReturnsAtOnceOnAChangedOne()
    {
        int word = 5;

        // Only futex answers ETIMEDOUT here (FutexWait's false); any other call or error reads as a wake (true).
        Assert.False(Libc.FutexWait(&word, 5, timeoutMs: 1));
        Assert.True(Libc.FutexWait(&word, 6, timeoutMs: -1)); // EAGAIN: the word is not 6; it does not sleep
    }

    [Fact]
    public void FutexWaitv_TimesOutOnAnUnchangedWord_AndReturnsAtOnceOnAChangedOne()
    {
        int word = 5;
        Libc.FutexWaiter same = Libc.FutexWaiter.For(&word, 5);
        Assert.Equal(-2, Libc.FutexWaitMany(&same, 1, timeoutMs: 1));

        Libc.FutexWaiter changed = Libc.FutexWaiter.For(&word, 6);
        Assert.Equal(-1, Libc.FutexWaitMany(&changed, 1, timeoutMs: -1));
    }

    [Fact]
    public void PidfdOpen_OfThisProcess_GivesAPidfdThatSignalsAndIsNotExited()
    {
        int fd = Libc.PidfdOpen(Environment.ProcessId);
        try
        {
            Assert.True(fd >= 0);
            Assert.False(Liveness.HasExited(fd));
            Assert.True(Libc.PidfdSendSignal(fd, 0)); // signal 0: only checks that it may be sent
        }
        finally
        {
            Libc.Close(fd);
        }

        Assert.True(Liveness.IsAlive(Libc.GetParentPid()));
    }
}
