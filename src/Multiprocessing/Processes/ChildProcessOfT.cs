using Multiprocessing.Codec;

namespace Multiprocessing;

/// <summary>A child process whose target returns a value of type <typeparamref name="TResult"/>.</summary>
/// <typeparam name="TResult">Type of the result.</typeparam>
public sealed class ChildProcess<TResult> : ChildProcess
{
    private readonly Lazy<TResult> result;

    internal ChildProcess(string name, bool daemon)
        : base(name, daemon) =>
        result = new Lazy<TResult>(Decode, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Waits for the child and returns its target's return value.</summary>
    /// <exception cref="RemoteException">The target threw; carries the remote type, message and stack trace.</exception>
    /// <exception cref="ProcessDiedException">The child ended without a result (killed, or it called <see cref="Environment.Exit"/>).</exception>
    /// <exception cref="VersionMismatchException">The child could not load the parent's build.</exception>
    /// <exception cref="InvalidDataException">
    /// The child returned a value that cannot be decoded here as <typeparamref name="TResult"/> (for example, the
    /// constructor of a <c>[MessagePackObject]</c> type refused it); the message names the type and the cause.
    /// </exception>
    public TResult Result
    {
        get
        {
            WaitForExit(); // Not Join: the result stays readable after Dispose.
            return result.Value;
        }
    }

    /// <summary>Waits asynchronously for the child and returns its target's return value.</summary>
    /// <param name="cancellationToken">Stops the wait (not the child).</param>
    /// <returns>The target's return value.</returns>
    /// <exception cref="RemoteException">The target threw; carries the remote type, message and stack trace.</exception>
    /// <exception cref="ProcessDiedException">The child ended without a result.</exception>
    /// <exception cref="VersionMismatchException">The child could not load the parent's build.</exception>
    /// <exception cref="InvalidDataException">
    /// The child returned a value that cannot be decoded here as <typeparamref name="TResult"/> (for example, the
    /// constructor of a <c>[MessagePackObject]</c> type refused it); the message names the type and the cause.
    /// </exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired first.</exception>
    public async Task<TResult> ResultAsync(CancellationToken cancellationToken = default)
    {
        await WaitForExitEvenIfDisposedAsync(cancellationToken).ConfigureAwait(false);
        return result.Value;
    }

    private TResult Decode()
    {
        if (Exception is { } error)
        {
            throw error;
        }

        if (ResultPayload is not { } payload)
        {
            throw DiedWithoutResult();
        }

        try
        {
            return WireCodec.Deserialize<TResult>(payload);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw WireCodec.DecodeFailure($"The return value of {Name} (pid {Pid}) cannot be decoded as {TypeNames.Display(typeof(TResult))}", e);
        }
    }
}
