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
    /// Serves one request of such a wait, on an object guarded by <paramref name="gate"/> (not held) that pulses
    /// <paramref name="pulse"/> when its generation moves or <paramref name="done"/> may hold: waits until
    /// <paramref name="done"/> holds or the generation has moved since the wait began, at most <paramref name="ms"/>,
    /// then replies whether it happened and the generation the wait counts from. <paramref name="waiting"/> counts
    /// the waits in progress (changed under <paramref name="gate"/>); <paramref name="after"/>, if any, runs under
    /// <paramref name="gate"/> as the wait ends, before the reply is written, and may throw instead.
    /// </summary>
    public static ValueTask ServeAsync(object gate, AsyncPulse pulse, Func<long> generationNow, Func<bool> done, Counter waiting, long ms, long since, WireBuffer reply, ManagerSession session, Action? after = null)
    {
        long start;
        lock (gate)
        {
            start = since == FromNow ? generationNow() : since;
            if (done() || generationNow() != start)
            {
                after?.Invoke();
                Write(reply, true, start);
                return default;
            }

            waiting.Value++;
        }

        return WaitAsync(gate, pulse, generationNow, done, waiting, start, ms, reply, session, after);
    }

    private static async ValueTask WaitAsync(object gate, AsyncPulse pulse, Func<long> generationNow, Func<bool> done, Counter waiting, long start, long ms, WireBuffer reply, ManagerSession session, Action? after)
    {
        bool Released() => done() || generationNow() != start;
        try
        {
            _ = await SessionWait.UntilAsync(gate, pulse, Released, ms, session).ConfigureAwait(false); // a client gone gets no reply that matters
        }
        finally
        {
            lock (gate)
            {
                waiting.Value--;
            }
        }

        bool released;
        lock (gate)
        {
            released = Released();
            after?.Invoke();
        }

        Write(reply, released, start);
    }

    private static void Write(WireBuffer reply, bool happened, long start)
    {
        reply.WriteBool(happened);
        reply.WriteInt64(start);
    }

    /// <summary>A count of waits in progress, changed and read under its object's lock.</summary>
    internal sealed class Counter
    {
        public int Value { get; set; }
    }
}
