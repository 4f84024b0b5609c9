namespace Multiprocessing.Managers;

/// <summary>
/// The requests of one wait for something that happens and may be undone at once (an event's set, a joinable
/// queue's last task done): the manager counts those happenings (a generation), and a wait ends once the
/// generation has moved since it began. The first request asks the manager to count from its generation now
/// (<see cref="FromNow"/>); the next ones (a wait sliced in 100 ms requests) carry the generation the first one
/// replied, so a happening undone between two requests still ends the wait.
/// </summary>
internal sealed class WaitSince
{
    /// <summary>The generation argument of a wait's first request: count from the generation now.</summary>
    public const long FromNow = -1;

    private long generation = FromNow;

    /// <summary>Writes a request's arguments: the wait (int64 ms, -1 for ever), then the generation (int64).</summary>
    public void Write(WireBuffer args, long ms)
    {
        args.WriteInt64(ms);
        args.WriteInt64(generation);
    }

    /// <summary>Reads a reply: whether it happened (1 byte), then the generation the wait counts from (int64).</summary>
    public bool Parse(WireReader reply, out bool happened)
    {
        happened = reply.ReadBool();
        generation = reply.ReadInt64();
        return happened;
    }

    /// <summary>
    /// Serves one request of such a wait, under <paramref name="gate"/> (held): waits until <paramref name="done"/>
    /// holds or the generation has moved since the wait began, at most <paramref name="ms"/>, then replies whether it
    /// happened and the generation the wait counts from. <paramref name="waiting"/> counts the waits in progress.
    /// </summary>
    public static void Serve(object gate, Func<long> generationNow, Func<bool> done, long ms, long since, ref int waiting, WireBuffer reply, ManagerSession session)
    {
        long start = since == FromNow ? generationNow() : since;
        bool Released() => done() || generationNow() != start;
        waiting++;
        try
        {
            SessionWait.Until(gate, Released, ms, session); // a client gone gets no reply that matters
        }
        finally
        {
            waiting--;
        }

        reply.WriteByte(Released() ? (byte)1 : (byte)0);
        reply.WriteInt64(start);
    }
}
