using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using Multiprocessing.Pools;
using Orleans.Concurrency;

namespace Multiprocessing.Clustering;

/// <summary>
/// Runs a <see cref="ClusterPool"/>'s tasks on a silo: a stateless worker, so each silo runs as many at once as it
/// has cores (per grain key), and a call from a client runs on the silo it arrived at. The function of a task is
/// decoded once per silo (cached by the hash of its encoding), as a process pool's worker decodes it once.
/// </summary>
[StatelessWorker]
internal sealed class PoolWorkerGrain : Grain, IPoolWorkerGrain
{
    private const int MaxKnownFunctions = 1024;

    private static readonly ConcurrentDictionary<string, ProcessPoolWorker.Function> Functions = new();

    /// <inheritdoc/>
    public Task<PoolReply> Run(byte[] function, byte[] frame)
    {
        var output = new ArrayBufferWriter<byte>(256);
        try
        {
            ProcessPoolWorker.Execute(frame, FunctionOf(function), output, retire: false, CancellationToken.None);
        }
        catch (Exception e)
        {
            // The function could not be decoded here: another build (VersionMismatchException) or bad bytes.
            long taskId = frame.Length >= 9 ? BinaryPrimitives.ReadInt64LittleEndian(frame.AsSpan(1)) : 0;
            ProcessPoolWorker.WriteError(output, ProcessWire.Error, taskId, e);
        }

        return Task.FromResult(new PoolReply
        {
            Frame = output.WrittenSpan.ToArray(),
            ProcessId = Environment.ProcessId,
            Silo = RuntimeIdentity,
        });
    }

    private static ProcessPoolWorker.Function FunctionOf(byte[] payload)
    {
        string key = Convert.ToHexString(SHA256.HashData(payload));
        if (Functions.TryGetValue(key, out ProcessPoolWorker.Function? known))
        {
            return known;
        }

        ProcessPoolWorker.Function decoded = ProcessPoolWorker.Function.Decode(payload);
        if (Functions.Count >= MaxKnownFunctions)
        {
            Functions.Clear(); // Closures encoded per call: keep the table small.
        }

        Functions[key] = decoded;
        return decoded;
    }
}
