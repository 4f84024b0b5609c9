using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Multiprocessing.DashboardServer;

/// <summary>
/// A small HTTP/1.1 server over a socket bound to 127.0.0.1: one request per connection (<c>Connection: close</c>),
/// headers up to 16 KB, bodies up to 64 KB, 10 s to send a request. Enough for one page that polls its state.
/// </summary>
/// <remarks>
/// Not <see cref="HttpListener"/>: it cannot bind port 0 (any free port; a port found free and then handed to it
/// can be taken meanwhile), and not ASP.NET Core, which a console app should not need for a diagnostics page.
/// </remarks>
internal sealed class HttpServer : IDisposable
{
    private const int MaxHead = 16 * 1024;
    private const int MaxBody = 64 * 1024;
    private static readonly TimeSpan RequestTime = TimeSpan.FromSeconds(10);

    /// <summary>The body of a 500: generic, as the exception's text may hold what the page should not show.</summary>
    internal const string InternalError = "Internal Server Error: the dashboard could not answer this request (the error is logged).";

    private readonly Socket listener;
    private readonly Func<HttpRequest, HttpResponse> handler;
    private readonly Action<HttpRequest, Exception> failed;
    private readonly CancellationTokenSource stop = new();
    private readonly Task acceptLoop;

    /// <param name="port">The port on 127.0.0.1; 0 for any free one.</param>
    /// <param name="handler">Answers a request; what it throws becomes a 500 (see <paramref name="failed"/>).</param>
    /// <param name="failed">Told of each exception <paramref name="handler"/> throws (to log it).</param>
    public HttpServer(int port, Func<HttpRequest, HttpResponse> handler, Action<HttpRequest, Exception> failed)
    {
        this.handler = handler;
        this.failed = failed;
        listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
            listener.Listen(64);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        Port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        acceptLoop = AcceptLoop();
    }

    public int Port { get; }

    public void Dispose()
    {
        stop.Cancel();
        listener.Dispose();
        try
        {
            acceptLoop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The loop ends with the socket's disposal.
        }

        stop.Dispose();
    }

    private async Task AcceptLoop()
    {
        await Task.Yield();
        while (!stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = Serve(client);
        }
    }

    private async Task Serve(Socket client)
    {
        using (client)
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop.Token))
        {
            timeout.CancelAfter(RequestTime);
            try
            {
                var stream = new NetworkStream(client, ownsSocket: false);
                await using (stream.ConfigureAwait(false))
                {
                    HttpResponse response;
                    try
                    {
                        response = await ReadRequest(stream, timeout.Token).ConfigureAwait(false) is { } request
                            ? Answer(request)
                            : HttpResponse.Text(400, "Bad request.");
                    }
                    catch (InvalidDataException e)
                    {
                        response = HttpResponse.Text(e.Message.StartsWith("413", StringComparison.Ordinal) ? 413 : 400, e.Message);
                    }

                    await stream.WriteAsync(response.Head(), timeout.Token).ConfigureAwait(false);
                    await stream.WriteAsync(response.Body, timeout.Token).ConfigureAwait(false);
                }

                client.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The client went away or was too slow: nothing to answer.
            }
        }
    }

    /// <summary>
    /// The handler's response; if it throws (whatever it throws), a 500 whose body says nothing of the exception (the
    /// page is no place for stack traces), after <see cref="failed"/> has been told.
    /// </summary>
    private HttpResponse Answer(HttpRequest request)
    {
        try
        {
            return handler(request);
        }
        catch (Exception e)
        {
            try
            {
                failed(request, e);
            }
            catch (Exception)
            {
                // A logger that throws must not cost the client its answer.
            }

            return HttpResponse.Text(500, InternalError);
        }
    }

    /// <summary>Reads one request; null if the connection closed before a whole head arrived.</summary>
    /// <exception cref="InvalidDataException">The request is malformed or too large.</exception>
    private static async Task<HttpRequest?> ReadRequest(NetworkStream stream, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[MaxHead];
        int filled = 0;
        int headEnd;
        while ((headEnd = buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8)) < 0)
        {
            if (filled == buffer.Length)
            {
                throw new InvalidDataException("413: the request's head is larger than 16 KB.");
            }

            int n = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                return null;
            }

            filled += n;
        }

        string[] lines = Encoding.ASCII.GetString(buffer, 0, headEnd).Split("\r\n");
        string[] first = lines[0].Split(' ');
        if (first.Length != 3 || !first[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
        {
            throw new InvalidDataException("Not an HTTP/1.x request line.");
        }

        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in lines.AsSpan(1))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new InvalidDataException("A malformed header line.");
            }

            headers[line[..colon].Trim().ToLowerInvariant()] = line[(colon + 1)..].Trim();
        }

        int length = 0;
        if (headers.TryGetValue("content-length", out string? cl) && (!int.TryParse(cl, out length) || length < 0))
        {
            throw new InvalidDataException("A malformed Content-Length.");
        }

        if (length > MaxBody)
        {
            throw new InvalidDataException("413: the request's body is larger than 64 KB.");
        }

        byte[] body = new byte[length];
        int have = Math.Min(length, filled - headEnd - 4);
        buffer.AsSpan(headEnd + 4, have).CopyTo(body);
        while (have < length)
        {
            int n = await stream.ReadAsync(body.AsMemory(have), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                return null;
            }

            have += n;
        }

        string target = first[1];
        int q = target.IndexOf('?', StringComparison.Ordinal);
        string path = Uri.UnescapeDataString(q < 0 ? target : target[..q]);
        var query = new Dictionary<string, string>(StringComparer.Ordinal);
        if (q >= 0)
        {
            foreach (string pair in target[(q + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                int eq = pair.IndexOf('=', StringComparison.Ordinal);
                string key = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
                query[key] = eq < 0 ? string.Empty : Uri.UnescapeDataString(pair[(eq + 1)..].Replace('+', ' '));
            }
        }

        return new HttpRequest(first[0], path, query, headers, body);
    }
}
