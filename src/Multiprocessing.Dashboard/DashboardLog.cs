using Microsoft.Extensions.Logging;

namespace Multiprocessing.DashboardServer;

/// <summary>What the dashboard logs (category <c>Multiprocessing.Dashboard</c>), through <see cref="DashboardOptions.LoggerFactory"/>.</summary>
internal static class DashboardLog
{
    /// <summary>The logger category: the public type's full name, as the main package's categories are.</summary>
    public const string Category = "Multiprocessing.Dashboard";

    /// <summary>The event id of <see cref="RequestFailed"/>: 5xxx, after the main package's ranges (see <see cref="MultiprocessingLogEvents"/>).</summary>
    public const int RequestFailedId = 5000;

    private static readonly Action<ILogger, string, string, Exception?> RequestFailedMessage = LoggerMessage.Define<string, string>(
        LogLevel.Error,
        new EventId(RequestFailedId, "DashboardRequestFailed"),
        "The dashboard could not answer {Method} {Path}: it answered 500 Internal Server Error");

    /// <summary>A request's handler threw: the page got a bare 500, the exception goes here. The path is logged, never the query (it holds the token).</summary>
    public static void RequestFailed(ILogger logger, HttpRequest request, Exception exception) =>
        RequestFailedMessage(logger, request.Method, request.Path, exception);
}
