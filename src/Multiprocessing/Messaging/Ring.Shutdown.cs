namespace Multiprocessing.Messaging;

/// <summary>
/// How a ring was completed, kept in <see cref="RingHeader.Completed"/> (any value but 0 reads as completed): a
/// queue's <c>CompleteAdding</c>, or its shutdown (Python 3.13's <c>Queue.shutdown</c>), plain or immediate.
/// </summary>
internal sealed unsafe partial class Ring
{
    /// <summary>No more messages will be written (a queue's <c>CompleteAdding</c>, what <see cref="Complete"/> writes).</summary>
    public const int CompletedAdding = 1;

    /// <summary>A queue shut down: no more messages will be written; those in it are still read.</summary>
    public const int ShutDown = 2;

    /// <summary>A queue shut down immediately: the messages in it are dropped, none is read any more.</summary>
    public const int ShutDownImmediately = 3;

    /// <summary>How the ring was completed: 0 if not, else <see cref="CompletedAdding"/>, <see cref="ShutDown"/> or <see cref="ShutDownImmediately"/>.</summary>
    public int Completion => Volatile.Read(ref h->Completed);

    /// <summary>Raises the completion to <paramref name="completion"/> unless it is already there or further (a shutdown is never undone by a later <c>CompleteAdding</c>), then wakes every waiter.</summary>
    /// <param name="completion">One of <see cref="CompletedAdding"/>, <see cref="ShutDown"/>, <see cref="ShutDownImmediately"/>.</param>
    public void CompleteAs(int completion)
    {
        int seen = Volatile.Read(ref h->Completed);
        while (seen < completion)
        {
            int was = Interlocked.CompareExchange(ref h->Completed, completion, seen);
            if (was == seen)
            {
                break;
            }

            seen = was;
        }

        WakeAll();
    }
}
