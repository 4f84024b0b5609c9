namespace Multiprocessing;

/// <summary>
/// A process ended before it delivered what was asked of it: a child exited without returning its result, or a
/// pool worker died while running a task. Names the process, its pid and how it ended.
/// </summary>
public sealed class ProcessDiedException : Exception
{
    /// <summary>Creates an exception with a default message.</summary>
    public ProcessDiedException()
        : this("A process died before it delivered its result.")
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    /// <param name="message">What happened.</param>
    public ProcessDiedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and an inner exception.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The exception that caused this one.</param>
    public ProcessDiedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    internal ProcessDiedException(string processName, int processId, int exitCode, string? detail)
        : base(Describe(processName, processId, exitCode, detail))
    {
        ProcessName = processName;
        ProcessId = processId;
        ExitCode = exitCode;
    }

    /// <summary>Name of the process that died.</summary>
    public string? ProcessName { get; }

    /// <summary>Its pid.</summary>
    public int ProcessId { get; }

    /// <summary>Its exit code in Python's convention: the exit status, or <c>-N</c> when killed by signal N.</summary>
    public int ExitCode { get; }

    /// <summary>The signal that killed it, or null if it exited by itself.</summary>
    public int? Signal => ExitCode < 0 ? -ExitCode : null;

    internal static string DescribeExit(int exitCode) => exitCode < 0
        ? $"was killed by signal {-exitCode} ({SignalName(-exitCode)})"
        : $"exited with code {exitCode}";

    private static string Describe(string name, int pid, int exitCode, string? detail)
    {
        string text = $"{name} (pid {pid}) {DescribeExit(exitCode)} before it delivered its result.";
        return string.IsNullOrWhiteSpace(detail) ? text : $"{text} Its last output on stderr:{Environment.NewLine}{detail}";
    }

    private static string SignalName(int signal) => signal switch
    {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        4 => "SIGILL",
        6 => "SIGABRT",
        7 => "SIGBUS",
        8 => "SIGFPE",
        9 => "SIGKILL",
        10 => "SIGUSR1",
        11 => "SIGSEGV",
        12 => "SIGUSR2",
        13 => "SIGPIPE",
        14 => "SIGALRM",
        15 => "SIGTERM",
        _ => "signal " + signal,
    };
}
