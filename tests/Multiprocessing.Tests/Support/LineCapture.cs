using System.Text;

namespace Multiprocessing.Tests.Support;

/// <summary>A thread-safe <see cref="TextWriter"/> that collects whole lines and lets a test wait for one.</summary>
internal sealed class LineCapture : TextWriter
{
    private readonly object gate = new(); // Monitor.Wait needs a monitor, not a Lock
    private readonly StringBuilder current = new();
    private readonly List<string> lines = [];

    public override Encoding Encoding => Encoding.UTF8;

    /// <summary>The complete lines written so far.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (gate)
            {
                return [.. lines];
            }
        }
    }

    /// <summary>Text written after the last newline.</summary>
    public string Partial
    {
        get
        {
            lock (gate)
            {
                return current.ToString();
            }
        }
    }

    public override void Write(char value)
    {
        lock (gate)
        {
            Add(value);
        }
    }

    public override void Write(string? value)
    {
        lock (gate)
        {
            foreach (char c in value ?? string.Empty)
            {
                Add(c);
            }
        }
    }

    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    public override void WriteLine(string? value) => Write(value + "\n");

    /// <summary>Waits until a line equal to <paramref name="line"/> has been written; false after <paramref name="timeout"/>.</summary>
    public bool WaitForLine(string line, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        lock (gate)
        {
            while (!lines.Contains(line))
            {
                TimeSpan left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero || !Monitor.Wait(gate, left))
                {
                    return lines.Contains(line);
                }
            }

            return true;
        }
    }

    private void Add(char c)
    {
        if (c == '\n')
        {
            lines.Add(current.ToString());
            current.Clear();
            Monitor.PulseAll(gate);
        }
        else if (c != '\r')
        {
            current.Append(c);
        }
    }
}

/// <summary>Replaces <see cref="Console.Out"/> and <see cref="Console.Error"/> with captures; Dispose puts the old writers back.</summary>
internal sealed class ConsoleCapture : IDisposable
{
    private readonly TextWriter originalOut = Console.Out;
    private readonly TextWriter originalError = Console.Error;

    public ConsoleCapture()
    {
        Console.SetOut(Out);
        Console.SetError(Error);
    }

    public LineCapture Out { get; } = new();

    public LineCapture Error { get; } = new();

    public void Dispose()
    {
        Console.SetOut(originalOut);
        Console.SetError(originalError);
        Out.Dispose();
        Error.Dispose();
    }
}
