using System.Diagnostics;

namespace CaseTracker.Api.Http;

/// <summary>
/// Every request carries a correlation id: the caller's <c>X-Correlation-Id</c> when it sends a
/// sensible one, else the trace id. It is echoed back and recorded on every event appended.
/// </summary>
public sealed class CorrelationIds(RequestDelegate next, ILogger<CorrelationIds> logger)
{
    public const string Header = "X-Correlation-Id";
    private const int MaxLength = 100;

    public async Task InvokeAsync(HttpContext http)
    {
        var sent = http.Request.Headers[Header].ToString();
        var id = sent.Length is > 0 and <= MaxLength && sent.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':')
            ? sent
            : Activity.Current?.TraceId.ToString() ?? http.TraceIdentifier;
        http.Items[Header] = id;
        http.Response.Headers[Header] = id;

        // Every log line written while handling the request carries it (a scope in the JSON logs).
        using (logger.BeginScope(new Dictionary<string, object> { ["CorrelationId"] = id }))
        {
            await next(http);
        }
    }

    public static string For(HttpContext http) => http.Items[Header] as string ?? http.TraceIdentifier;
}
