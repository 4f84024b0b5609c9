namespace Multiprocessing.Pools;

/// <summary>Why a pool's workers cannot be kept (not an initializer that threw): the inner exception of its <see cref="BrokenPoolException"/>.</summary>
internal sealed class WorkerFailure(string message, Exception? innerException = null) : InvalidOperationException(message, innerException);
