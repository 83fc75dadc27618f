using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using CaseTracker.Api.Storage;
using Marten;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace CaseTracker.Api.Operations;

/// <summary>
/// OpenTelemetry traces and metrics from ASP.NET Core, Wolverine, Marten and Npgsql, CaseTracker's
/// own instruments, a Prometheus scrape endpoint at <c>/metrics</c> on its own port, and JSON logs carrying the
/// correlation id. Traces leave the process when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
/// </summary>
public static class Telemetry
{
    public const string MeterName = "CaseTracker";

    public static void AddCaseTrackerLogging(this ILoggingBuilder logging, IHostEnvironment environment)
    {
        logging.ClearProviders();
        if (environment.IsDevelopment())
        {
            logging.AddSimpleConsole(o => o.IncludeScopes = true);
        }
        else
        {
            logging.AddJsonConsole(o => o.IncludeScopes = true);
        }

        // stdout belongs to the CLI verbs (token prints only the token).
        logging.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);

        // Set in code rather than in an appsettings file so that every environment, the CLI verbs, the
        // tests and a published build start quiet alike; inserted ahead of the rules read from
        // configuration, so Logging__LogLevel__Marten=Information (say) still turns one back on.
        logging.Services.Configure<LoggerFilterOptions>(options =>
        {
            foreach (var (category, level) in QuietCategories.Reverse()) options.Rules.Insert(0, new LoggerFilterRule(null, category, level, null));
        });
        logging.Services.Replace(ServiceDescriptor.Singleton(typeof(ILogger<>), typeof(ClientErrorsAreNotFailures<>)));
    }

    /// <summary>
    /// Categories whose information lines are detail for someone debugging them: Marten's and
    /// Wolverine's schema SQL, discovery and agent start-up (thousands of lines on a first start),
    /// and ASP.NET Core's four lines per request (the correlation id and metrics already cover a
    /// request). Wolverine warns that it found no message handlers: CaseTracker has none by design,
    /// its commands arrive over HTTP.
    /// </summary>
    private static readonly (string Category, LogLevel Level)[] QuietCategories =
    [
        ("Marten", LogLevel.Warning),
        ("Weasel", LogLevel.Warning),
        ("JasperFx", LogLevel.Warning),
        ("Wolverine", LogLevel.Warning),
        ("Wolverine.Configuration.HandlerDiscovery", LogLevel.Error),
        ("Microsoft.AspNetCore", LogLevel.Warning),
    ];

    public static IServiceCollection AddCaseTrackerTelemetry(this IServiceCollection services)
    {
        services.AddSingleton<CaseTrackerMetrics>();
        services.AddTransient<IStartupFilter, MetricsPortServesOnlyMetrics>();
        services.AddHostedService<ProjectionLagProbe>();
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("casetracker-api"))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(MeterName, "Wolverine*", "Marten*", "Npgsql")
                .AddPrometheusExporter());

        // Only with somewhere to send them: a listener without an exporter still builds a span for
        // the request, the handler, the session and each of a command's seven statements.
        if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT")))
        {
            telemetry.WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation()
                .AddSource("Wolverine*", "Marten*")
                .AddNpgsql()
                .AddOtlpExporter());
        }

        return services;
    }

    public const string PortKey = "Metrics:Port";

    /// <summary>
    /// <c>/metrics</c> is unauthenticated and names every route with its refusals, so it is served only
    /// on a port of its own (<c>Metrics:Port</c>) that only the scraper's network should reach; the
    /// API's port answers 404 for it. Without the setting no metrics are served.
    /// </summary>
    public static void MapCaseTrackerTelemetry(this WebApplication app)
    {
        if (app.Configuration.GetValue<int?>(PortKey) is not { } port) return;

        ListenAlsoOn(app, port);
        // The port the connection arrived on, not the Host header, which any caller can set.
        app.MapPrometheusScrapingEndpoint("/metrics", meterProvider: null, optionsName: null, configureBranchedPipeline: branch =>
                branch.Use((http, next) =>
                {
                    if (http.Connection.LocalPort == port) return next(http);
                    http.Response.StatusCode = StatusCodes.Status404NotFound;
                    return Task.CompletedTask;
                }))
            .AllowAnonymous();
    }

    /// <summary>
    /// Adds the metrics port on each host the API listens on, keeping the API's own addresses: Kestrel
    /// takes the addresses given here instead of <c>--urls</c> / <c>ASPNETCORE_URLS</c>, so those are
    /// carried over as the web host would have read them. Endpoints configured under
    /// <c>Kestrel:Endpoints</c> replace all of these, so an operator using them adds one for the
    /// metrics port there.
    /// </summary>
    private static void ListenAlsoOn(WebApplication app, int port)
    {
        var feature = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>();
        if (feature is null || feature.Addresses.IsReadOnly) return;
        if (app.Configuration.GetSection("Kestrel:Endpoints").GetChildren().Any()) return;

        var api = feature.Addresses.Count > 0 ? [.. feature.Addresses] : ConfiguredUrls(app.Configuration);
        var bound = api.Select(BindingAddress.Parse).Where(x => !x.IsUnixPipe).ToList();
        if (bound.Any(x => x.Port == port))
        {
            throw new InvalidOperationException($"{PortKey} ({port}) must differ from the API's port, or /metrics would be open on it.");
        }

        if (feature.Addresses.Count == 0)
        {
            foreach (var url in api) feature.Addresses.Add(url);
        }

        foreach (var host in bound.Select(x => x.Host).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            feature.Addresses.Add($"http://{(host.Contains(':') && !host.StartsWith('[') ? $"[{host}]" : host)}:{port}");
        }
    }

    private static List<string> ConfiguredUrls(IConfiguration configuration)
    {
        if (configuration[WebHostDefaults.ServerUrlsKey] is { Length: > 0 } urls)
        {
            return [.. urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
        }

        var ports = Ports(configuration[WebHostDefaults.HttpPortsKey], "http").Concat(Ports(configuration[WebHostDefaults.HttpsPortsKey], "https")).ToList();
        return ports.Count > 0 ? ports : ["http://localhost:5000"];

        static IEnumerable<string> Ports(string? value, string scheme) =>
            (value ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(x => $"{scheme}://*:{x}");
    }
}

/// <summary>
/// The metrics port is opened for the scraper's network, so it answers nothing but <c>/metrics</c>:
/// first in the pipeline, before anything could tell a caller there that the API is behind it.
/// </summary>
public sealed class MetricsPortServesOnlyMetrics(IConfiguration configuration) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        if (configuration.GetValue<int?>(Telemetry.PortKey) is { } port)
        {
            app.Use((http, rest) =>
            {
                if (http.Connection.LocalPort != port || http.Request.Path == "/metrics") return rest(http);
                http.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            });
        }

        next(app);
    };
}

/// <summary>CaseTracker's own instruments.</summary>
public sealed class CaseTrackerMetrics : IDisposable
{
    private readonly Meter _meter = new(Telemetry.MeterName);
    private readonly Counter<long> _commands;
    private readonly Histogram<double> _commandDuration;
    private readonly Counter<long> _rejected;

    public CaseTrackerMetrics()
    {
        _commands = _meter.CreateCounter<long>("casetracker.commands", description: "Commands answered, by command route and status");
        _commandDuration = _meter.CreateHistogram<double>("casetracker.command.duration", "ms", "Time to decide, append and answer a command");
        _rejected = _meter.CreateCounter<long>("casetracker.requests.rejected", description: "API requests answered with an error, by status");
        _meter.CreateObservableGauge("casetracker.projection.lag", () => ProjectionLag.Select(x =>
            new Measurement<long>(x.Value, new KeyValuePair<string, object?>("projection", x.Key))), "{event}",
            "Events committed but not yet applied, per asynchronous projection");
    }

    /// <summary>Written by <see cref="ProjectionLagProbe"/>, read at scrape time.</summary>
    public ConcurrentDictionary<string, long> ProjectionLag { get; } = new();

    public void Command(string route, int status, double milliseconds)
    {
        var tags = new TagList { { "command", route }, { "status", status } };
        _commands.Add(1, tags);
        _commandDuration.Record(milliseconds, tags);
    }

    public void Rejected(int status) => _rejected.Add(1, new KeyValuePair<string, object?>("status", status));

    public void Dispose() => _meter.Dispose();
}

/// <summary>Times every API request; commands by route, refusals by status.</summary>
public sealed class RequestMetrics(RequestDelegate next, CaseTrackerMetrics metrics)
{
    public async Task InvokeAsync(HttpContext http)
    {
        if (!http.Request.Path.StartsWithSegments("/api"))
        {
            await next(http);
            return;
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(http);
        }
        finally
        {
            var status = http.Response.StatusCode;
            if (HttpMethods.IsPost(http.Request.Method))
            {
                var route = (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
                metrics.Command(route, status, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            if (status >= 400) metrics.Rejected(status);
        }
    }
}

/// <summary>
/// How far each asynchronous projection trails the event store, polled in the background so that
/// a scrape never waits on PostgreSQL.
/// </summary>
public sealed class ProjectionLagProbe(IDocumentStore store, CaseTrackerMetrics metrics, IConfiguration configuration, ILogger<ProjectionLagProbe> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var every = TimeSpan.FromSeconds(configuration.GetValue("Telemetry:LagProbeSeconds", 5.0));
        using var timer = new PeriodicTimer(every);
        do
        {
            try
            {
                await Probe(stoppingToken);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                logger.LogDebug(e, "Could not read projection progress");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task Probe(CancellationToken ct)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            $"select p.name, greatest(0, (select coalesce(max(seq_id), 0) from {store.Events()}) - p.last_seq_id) " +
            $"from {store.EventProgression()} p where p.name not like 'HighWater%'", connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            metrics.ProjectionLag[reader.GetString(0).Split(':')[0]] = reader.GetInt64(1);
        }
    }
}
