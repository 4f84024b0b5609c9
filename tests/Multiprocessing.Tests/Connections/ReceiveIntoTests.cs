namespace Multiprocessing.Tests.Connections;

/// <summary><see cref="Connection.ReceiveBytesInto"/>: a message longer than the buffer comes in a <see cref="BufferTooShortException"/>.</summary>
public sealed class ReceiveIntoTests
{
    [Fact]
    public void ReceiveBytesInto_BufferTooSmall_ThrowsBufferTooShortCarryingTheMessage_AndTheNextMessageFollows()
    {
        using Listener listener = Listener.Create(Listeners.Key(1));
        (Connection a, Connection b) = Listeners.Pair(listener, Listeners.Key(1));
        using (a)
        using (b)
        {
            b.SendBytes("a message of 24 bytes..."u8);
            b.SendBytes("next"u8);

            byte[] buffer = new byte[10];
            BufferTooShortException e = Assert.Throws<BufferTooShortException>(() => a.ReceiveBytesInto(buffer));
            Assert.Equal("a message of 24 bytes..."u8.ToArray(), e.Received);
            Assert.Contains("24 bytes", e.Message, StringComparison.Ordinal);
            Assert.Contains("10", e.Message, StringComparison.Ordinal);

            Assert.Equal(4, a.ReceiveBytesInto(buffer));
            Assert.Equal("next"u8.ToArray(), buffer[..4]);
        }
    }

    [Fact]
    public async Task ReceiveBytesIntoAsync_ExactSizeFits_AndOneByteTooManyDoesNot()
    {
        using Listener listener = Listener.CreateTcp();
        (Connection a, Connection b) = Listeners.Pair(listener);
        using (a)
        using (b)
        {
            b.SendBytes(new byte[] { 1, 2, 3, 4 });
            b.SendBytes(new byte[] { 1, 2, 3, 4, 5 });
            byte[] buffer = new byte[4];

            Assert.Equal(4, await a.ReceiveBytesIntoAsync(buffer));
            Assert.Equal([1, 2, 3, 4], buffer);
            BufferTooShortException e = await Assert.ThrowsAsync<BufferTooShortException>(() => a.ReceiveBytesIntoAsync(buffer).AsTask());
            Assert.Equal([1, 2, 3, 4, 5], e.Received);
        }
    }
}
