using System.Buffers.Binary;

namespace Multiprocessing.Managers;

/// <summary>A manager's semaphore. As in Python, the permits a dead client held are not given back.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "Lives as long as the manager process; the slim primitive holds no kernel handle unless its wait handle is asked for, which it never is.")]
internal sealed class EncodedSemaphore : IManagedObject
{
    private readonly SemaphoreSlim permits;

    /// <param name="initial">Initial count (int32) then maximum (int32, 0 for none).</param>
    /// <exception cref="ArgumentOutOfRangeException">A negative count, or a maximum below it.</exception>
    public EncodedSemaphore(ReadOnlySpan<byte> initial)
    {
        int count = BinaryPrimitives.ReadInt32LittleEndian(initial);
        int maximum = BinaryPrimitives.ReadInt32LittleEndian(initial[4..]);
        permits = new SemaphoreSlim(count, maximum == 0 ? int.MaxValue : maximum);
    }

    public ValueTask Serve(ManagerOp op, ref WireReader args, WireBuffer reply, ManagerSession session)
    {
        switch (op)
        {
            case ManagerOp.SemaphoreAcquire:
                {
                    ValueTask<bool> taking = SessionWait.TakeForClientAsync(permits, args.ReadInt64(), session);
                    if (!taking.IsCompleted)
                    {
                        return ReplyAsync(taking, reply);
                    }

                    reply.WriteBool(taking.Result);
                    break;
                }

            case ManagerOp.SemaphoreRelease:
                {
                    int count = args.ReadInt32();
                    bool done = true;
                    try
                    {
                        permits.Release(count);
                    }
                    catch (SemaphoreFullException)
                    {
                        done = false;
                    }

                    reply.WriteBool(done);
                    break;
                }

            default:
                throw new InvalidOperationException($"A semaphore has no operation {op}.");
        }

        return default;
    }

    private static async ValueTask ReplyAsync(ValueTask<bool> taking, WireBuffer reply) =>
        reply.WriteBool(await taking.ConfigureAwait(false));
}
