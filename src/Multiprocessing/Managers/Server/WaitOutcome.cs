namespace Multiprocessing.Managers;

/// <summary>How a wait in the manager ended.</summary>
internal enum WaitOutcome
{
    /// <summary>What it waited for happened.</summary>
    Ready,

    /// <summary>The timeout passed first.</summary>
    TimedOut,

    /// <summary>The waiting client's connection closed first (its process died or closed the proxy).</summary>
    ClientGone,
}
