namespace CaseTracker.Api.Operations;

/// <summary>
/// Wolverine logs a request body it cannot read as an error, with the JsonException's stack trace,
/// under the category of the command type. The caller already has a 400 saying what is wrong; for
/// the operator it is a client's mistake, not a failure of the service, so it is kept at debug
/// level and without the trace. Every other message passes through unchanged. The exception, whose
/// JSON path names the field at fault, is handed to the request for its problem document: this is
/// the only place Wolverine shows it.
/// </summary>
public sealed class ClientErrorsAreNotFailures<T>(ILoggerFactory factory, IServiceProvider services) : ILogger<T>
{
    private const string UnreadableBody = "Error trying to deserialize JSON from incoming HTTP body";

    private readonly ILogger _inner = new Logger<T>(factory);

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => _inner.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel) => _inner.IsEnabled(logLevel);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (logLevel >= LogLevel.Warning && exception is System.Text.Json.JsonException json && IsUnreadableBody(state))
        {
            services.GetService<IHttpContextAccessor>()?.HttpContext?.Features.Set(new Http.UnreadableBodyFeature(json));
            _inner.Log(LogLevel.Debug, eventId, state, null, (s, _) => $"{formatter(s, null)}: {exception.Message}");
            return;
        }

        _inner.Log(logLevel, eventId, state, exception, formatter);
    }

    private static bool IsUnreadableBody<TState>(TState state) =>
        state is IReadOnlyList<KeyValuePair<string, object?>> values
        && values.Any(x => x.Key == "{OriginalFormat}" && x.Value is string format && format.StartsWith(UnreadableBody, StringComparison.Ordinal));
}
