namespace Multiprocessing;

/// <summary>What <see cref="Connection.Wait{T}"/> needs of a child: ready once it has exited (Python's <c>sentinel</c>).</summary>
public partial class ChildProcess
{
    /// <inheritdoc/>
    bool IWaitReady.IsReady => Join(TimeSpan.Zero);

    /// <inheritdoc/>
    Task IWaitReady.WhenReadyAsync(CancellationToken cancellationToken) => WaitForExitAsync(cancellationToken);
}
