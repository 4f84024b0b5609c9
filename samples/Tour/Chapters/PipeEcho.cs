using System.Diagnostics;
using Multiprocessing;

namespace Tour.Chapters;

/// <summary>
/// Seed: Python 中的多进程 (the tutorial lists 管道 pipes among the ways processes talk, without an example). A pipe
/// between the parent and a child that echoes what it receives, in upper case, until the parent closes its end.
/// </summary>
internal sealed class PipeEcho : IChapter
{
    public string Name => "pipe";

    public string Title => "管道 (pipes: an echo between two processes)";

    public void Run()
    {
        Say.Part("a, b = Pipe(); a child echoes what arrives on b; the parent talks on a");
        Echo();

        Say.Part("round trips: how long a message and its answer take");
        RoundTrips();

        Say.Part("a one-way pipe, and a message larger than the pipe's buffer");
        OneWay();

        Say.Part("wait(): read from whichever of several pipes is ready (multiprocessing.connection.wait)");
        WaitForAny();
    }

    private static void Echo()
    {
        (Connection a, Connection b) = Pipe.Create();
        using (a)
        {
            using ChildProcess child = ChildProcess.Start(Echoer, b);
            b.Dispose(); // The parent's copy of the child's end: closed, as in Python, so the child alone holds it.
            foreach (string word in (string[])["hello", "管道", "pipe"])
            {
                a.Send(word);
                Console.WriteLine($"sent '{word}', got back '{a.Receive<string>()}'");
            }

            a.Close();
            child.Join();
            Console.WriteLine($"the parent closed its end; the child saw the end of the stream and returned (exit code {child.ExitCode})");
        }
    }

    // while True: msg = conn.recv(); conn.send(msg.upper())   — until EOFError
    private static void Echoer(Connection conn)
    {
        using (conn)
        {
            try
            {
                while (true)
                {
                    conn.Send(conn.Receive<string>().ToUpperInvariant());
                }
            }
            catch (EndOfStreamException)
            {
                Console.WriteLine($"{CurrentProcess.Name}: end of stream, bye");
            }
        }
    }

    private static void RoundTrips()
    {
        (Connection a, Connection b) = Pipe.Create();
        using (a)
        {
            using ChildProcess child = ChildProcess.Start(NumberEcho, b);
            b.Dispose();
            a.Send(0);
            a.Receive<int>(); // The child is up.
            const int n = 10_000;
            var clock = Stopwatch.StartNew();
            for (int i = 1; i <= n; i++)
            {
                a.Send(i);
                a.Receive<int>();
            }

            clock.Stop();
            a.Close();
            child.Join();
            Console.WriteLine(Say.Invariant($"{n} round trips, {clock.Elapsed.TotalMicroseconds / n:0.0} µs each"));
            Say.Note("each end is a ring in shared memory: a send copies the message in and wakes the other side only if it sleeps; no system call per message while both are busy. CPython's pipe (a socket pair and pickling) takes about 38 µs on this kind of machine (see bench/README.md).");
        }
    }

    private static void NumberEcho(Connection conn)
    {
        using (conn)
        {
            try
            {
                while (true)
                {
                    conn.Send(conn.Receive<int>());
                }
            }
            catch (EndOfStreamException)
            {
            }
        }
    }

    private static void OneWay()
    {
        (Connection reader, Connection writer) = Pipe.Create(duplex: false, capacity: 64 * 1024);
        using (reader)
        {
            using ChildProcess child = ChildProcess.Start(SendBig, writer);
            writer.Dispose();
            byte[] big = reader.ReceiveBytes();
            Console.WriteLine($"received {big.Length:N0} bytes through a 64 KiB pipe, all {(big.All(x => x == 7) ? "intact" : "CORRUPT")}; then: '{reader.Receive<string>()}'");
            child.Join();
            Say.Note("Pipe(duplex: false) gives (reader, writer), as Python's Pipe(False). A message larger than the buffer streams through it and arrives whole; the receiver never sees part of one.");
        }
    }

    private static void SendBig(Connection w)
    {
        using (w)
        {
            w.SendBytes(Enumerable.Repeat((byte)7, 10_000_000).ToArray());
            w.Send("done");
        }
    }

    // readers = [...]; while readers: for r in wait(readers): try: msg = r.recv() except EOFError: readers.remove(r)
    private static void WaitForAny()
    {
        var readers = new List<Connection>();
        var children = new List<ChildProcess>();
        for (int i = 0; i < 3; i++)
        {
            (Connection r, Connection w) = Pipe.Create(duplex: false);
            readers.Add(r);
            children.Add(ChildProcess.Start(Counter, w, i));
            w.Dispose();
        }

        int messages = 0, waits = 0;
        var open = new List<Connection>(readers);
        while (open.Count > 0)
        {
            waits++;
            foreach (Connection r in Connection.Wait(open))
            {
                try
                {
                    messages += r.Receive<int>() >= 0 ? 1 : 0;
                }
                catch (EndOfStreamException)
                {
                    open.Remove(r);
                }
            }
        }

        children.ForEach(c => c.Join());
        Console.WriteLine($"3 children sent {messages} messages on 3 pipes; the parent read them all, then saw each pipe end, in {waits} waits");
        children.ForEach(c => c.Dispose());
        readers.ForEach(r => r.Dispose());
        Say.Note("Connection.Wait(objects, timeout) takes connections, child processes (ready when they have exited, Python's sentinel) and shared queues, and returns those ready; WaitAsync is its twin.");
    }

    private static void Counter(Connection w, int id)
    {
        using (w)
        {
            for (int m = 0; m < 10; m++)
            {
                w.Send(id * 10 + m);
            }
        }
    }
}
