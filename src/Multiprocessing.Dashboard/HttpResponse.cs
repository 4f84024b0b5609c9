using System.Text;

namespace Multiprocessing.DashboardServer;

/// <summary>An HTTP response to write: status, content type, body and extra headers.</summary>
internal sealed class HttpResponse(int status, string contentType, byte[] body)
{
    public int Status { get; } = status;

    public string ContentType { get; } = contentType;

    public byte[] Body { get; } = body;

    public List<KeyValuePair<string, string>> Headers { get; } = [];

    public static HttpResponse Text(int status, string text) => new(status, "text/plain; charset=utf-8", Encoding.UTF8.GetBytes(text));

    public static HttpResponse Json(byte[] json) => new(200, "application/json; charset=utf-8", json);

    /// <summary>The status line and headers, ending with the empty line.</summary>
    public byte[] Head()
    {
        var sb = new StringBuilder();
        sb.Append("HTTP/1.1 ").Append(Status).Append(' ').Append(Reason(Status)).Append("\r\n");
        sb.Append("Content-Type: ").Append(ContentType).Append("\r\n");
        sb.Append("Content-Length: ").Append(Body.Length).Append("\r\n");
        sb.Append("Connection: close\r\n");
        sb.Append("Cache-Control: no-store\r\n");
        sb.Append("X-Content-Type-Options: nosniff\r\n");
        sb.Append("Referrer-Policy: no-referrer\r\n");
        sb.Append("Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'\r\n");
        foreach (KeyValuePair<string, string> h in Headers)
        {
            sb.Append(h.Key).Append(": ").Append(h.Value).Append("\r\n");
        }

        sb.Append("\r\n");
        return Encoding.ASCII.GetBytes(sb.ToString());
    }

    private static string Reason(int status) => status switch
    {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Content Too Large",
        500 => "Internal Server Error",
        _ => "Error",
    };
}
