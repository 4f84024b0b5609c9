namespace Multiprocessing.DashboardServer;

/// <summary>One parsed HTTP/1.1 request: method, path, query, headers (names lower-case) and body.</summary>
internal sealed class HttpRequest(string method, string path, Dictionary<string, string> query, Dictionary<string, string> headers, byte[] body)
{
    public string Method { get; } = method;

    /// <summary>The path, percent-decoded, without the query.</summary>
    public string Path { get; } = path;

    public Dictionary<string, string> Query { get; } = query;

    public Dictionary<string, string> Headers { get; } = headers;

    public byte[] Body { get; } = body;

    public string? Header(string name) => Headers.TryGetValue(name, out string? v) ? v : null;

    /// <summary>The value of cookie <paramref name="name"/>, or null.</summary>
    public string? Cookie(string name)
    {
        if (Header("cookie") is not { } cookies)
        {
            return null;
        }

        foreach (string part in cookies.Split(';'))
        {
            int eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && part[..eq].Trim() == name)
            {
                return part[(eq + 1)..].Trim();
            }
        }

        return null;
    }
}
