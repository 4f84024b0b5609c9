using System.Text;

namespace Multiprocessing.Processes;

/// <summary>
/// Turns the bytes a child writes to one of its standard streams into whole lines on this process's
/// <see cref="Console.Out"/> or <see cref="Console.Error"/>, and keeps the last few for error messages.
/// A line that the writer fails to take is dropped (it still counts among the last few).
/// </summary>
internal sealed class OutputForwarder(bool isError)
{
    private const int TailLines = 20;
    private readonly Queue<string> tail = new();
    private byte[] pending = new byte[4096];
    private int pendingCount;

    /// <summary>Takes a chunk of output; writes every line it completes.</summary>
    public void Append(ReadOnlySpan<byte> chunk)
    {
        while (!chunk.IsEmpty)
        {
            int nl = chunk.IndexOf((byte)'\n');
            if (nl < 0)
            {
                Buffer(chunk);
                return;
            }

            if (pendingCount == 0)
            {
                Emit(chunk[..nl]);
            }
            else
            {
                Buffer(chunk[..nl]);
                Emit(pending.AsSpan(0, pendingCount));
                pendingCount = 0;
            }

            chunk = chunk[(nl + 1)..];
        }
    }

    /// <summary>Writes a last line that had no newline.</summary>
    public void Flush()
    {
        if (pendingCount > 0)
        {
            Emit(pending.AsSpan(0, pendingCount));
            pendingCount = 0;
        }
    }

    /// <summary>The last lines seen, joined.</summary>
    public string Tail()
    {
        lock (tail)
        {
            return string.Join(Environment.NewLine, tail);
        }
    }

    private void Buffer(ReadOnlySpan<byte> bytes)
    {
        if (pendingCount + bytes.Length > pending.Length)
        {
            Array.Resize(ref pending, Math.Max(pending.Length * 2, pendingCount + bytes.Length));
        }

        bytes.CopyTo(pending.AsSpan(pendingCount));
        pendingCount += bytes.Length;
    }

    private void Emit(ReadOnlySpan<byte> line)
    {
        if (!line.IsEmpty && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        string text = Encoding.UTF8.GetString(line);
        if (isError)
        {
            lock (tail)
            {
                tail.Enqueue(text);
                if (tail.Count > TailLines)
                {
                    tail.Dequeue();
                }
            }
        }

        try
        {
            (isError ? Console.Error : Console.Out).WriteLine(text);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // This process's writer failed (disposed, a closed pipe, a writer of the application's that throws).
            // The line is dropped: the monitor thread that called us must go on, or the child is never joined
            // and the exception, escaping the thread, would end this process.
        }
    }
}
