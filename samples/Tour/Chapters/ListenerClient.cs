using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using Multiprocessing;

namespace Tour.Chapters;

/// <summary>
/// Seed: 什么是进程 › 常见通信机制 › 套接字. The seed names sockets among the ways processes talk, without an example;
/// this is Python's <c>multiprocessing.connection</c>: the parent listens with an auth key, a child connects with the
/// same key, sends a few messages and gets them echoed; a child with the wrong key is refused.
/// </summary>
internal sealed class ListenerClient : IChapter
{
    public string Name => "listener-client";

    public string Title => "常见通信机制：套接字 (sockets: a child connects to the parent's Listener with an auth key and gets echoes)";

    public void Run()
    {
        // authkey = os.urandom(32); listener = Listener(authkey=authkey)
        byte[] authKey = RandomNumberGenerator.GetBytes(32);
        using Listener listener = Listener.Create(authKey);
        Console.WriteLine($"listening on {listener.Address}");

        Say.Part("a child connects with the same key, sends, and gets echoes");
        Echo(listener, authKey);

        Say.Part("a child with the wrong key is refused, and the listener goes on");
        WrongKey(listener, authKey);

        Say.Note("Listener.Create(key) is Python's Listener(authkey=key) with the default address: a Unix socket in a private temp folder, removed on Dispose. Listener.CreateTcp(port) listens on 127.0.0.1 (port 0: any free one); Listener.Create(endpoint) takes any path or IP endpoint. Client.Connect(address, key) is Client(address, authkey=key).");
        Say.Note("the key is checked both ways before any message is decoded: the listener challenges the client, then the client the listener (HMAC-SHA256 over fresh random challenges). With null instead of a key any process that can reach the address may connect and send; authentication is not encryption.");
        Say.Note("an EndPoint cannot be passed to a child, and neither can a Connection or a Listener (an open socket of this process): the child gets the address as a string and the key as bytes, and connects itself.");
    }

    /// <summary>What the child sends: a number and a line of text.</summary>
    private sealed record Line(int Number, string Text);

    private static void Echo(Listener listener, byte[] authKey)
    {
        using ChildProcess<List<string>> child = ChildProcess.Start(Talk, listener.Address.ToString()!, authKey);

        // conn = listener.accept(): waits for the child, then checks its key
        using (Connection conn = listener.Accept())
        {
            Console.WriteLine($"accepted {child.Name}");
            while (true)
            {
                Line line;
                try
                {
                    line = conn.Receive<Line>();  // msg = conn.recv()
                }
                catch (EndOfStreamException)
                {
                    Console.WriteLine("the child closed its end: Receive throws EndOfStreamException (Python's EOFError)");
                    break;
                }

                Console.WriteLine($"parent got #{line.Number}: {line.Text}");
                conn.Send(line with { Text = "echo: " + line.Text });  // conn.send(msg)
                if (line.Text == "bye")
                {
                    byte[] raw = conn.ReceiveBytes();  // conn.recv_bytes()
                    Console.WriteLine($"parent got {raw.Length} raw bytes: {Convert.ToHexString(raw)}");
                    conn.SendBytes(raw);  // conn.send_bytes(raw)
                }
            }
        }

        // The child returns what it got back; the parent prints it, after its own lines.
        foreach (string back in child.Result)
        {
            Console.WriteLine($"{child.Name} got back {back}");
        }
    }

    // def talk(address, authkey): with Client(address, authkey=authkey) as conn: ...
    private static List<string> Talk(string address, byte[] authKey)
    {
        var got = new List<string>();
        using Connection conn = Client.Connect(new UnixDomainSocketEndPoint(address), authKey);
        string[] texts = ["hello", "你好", "bye"];
        for (int i = 0; i < texts.Length; i++)
        {
            conn.Send(new Line(i + 1, texts[i]));
            Line echo = conn.Receive<Line>();
            got.Add($"#{echo.Number}: {echo.Text}");
        }

        conn.SendBytes([0xCA, 0xFE]);  // conn.send_bytes(b'\xca\xfe'): raw bytes, no encoding
        got.Add($"raw bytes: {Convert.ToHexString(conn.ReceiveBytes())}");
        return got;  // leaving the using closes the connection: the parent's next Receive sees the end
    }

    private static void WrongKey(Listener listener, byte[] authKey)
    {
        using ChildProcess<string> intruder = ChildProcess.Start(TryConnect, listener.Address.ToString()!, RandomNumberGenerator.GetBytes(32));
        Console.WriteLine($"{intruder.Name}: {intruder.Result}");

        using ChildProcess<string> friend = ChildProcess.Start(TryConnect, listener.Address.ToString()!, authKey);
        using Connection conn = listener.Accept();
        Console.WriteLine($"then listener.Accept() returns {friend.Name}, which says: {conn.Receive<string>()}");
        friend.Join();
        Say.Note("the listener runs the handshakes in the background, several at once: a client that fails its handshake (the wrong key, bytes that are not this protocol, or nothing said for ConnectionOptions.HandshakeTimeout, 10 s by default) is closed there and never returned, and Accept() returns the next client that proved it has the key. Unlike Python's accept(), which raises AuthenticationError, the listener side does not see the failure; the client does (AuthenticationException).");
    }

    private static string TryConnect(string address, byte[] authKey)
    {
        try
        {
            using Connection conn = Client.Connect(new UnixDomainSocketEndPoint(address), authKey);
            conn.Send("hello from the right key");
            return "connected";
        }
        catch (AuthenticationException e)
        {
            return $"Client.Connect threw AuthenticationException: {e.Message}";
        }
    }
}
