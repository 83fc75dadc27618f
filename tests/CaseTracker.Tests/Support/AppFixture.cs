using Alba;
using CaseTracker.Api.Auth;
using Marten;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;
using Xunit;

namespace CaseTracker.Tests.Support;

/// <summary>The real application (Wolverine, Marten, auth, middleware) on its own fresh database.</summary>
public class AppFixture : IAsyncLifetime
{
    public const string SigningKey = "casetracker-tests-signing-key-0123456789abcdef";
    public const string AuditKey = "casetracker-tests-audit-key-0123456789abcdef-xyz";
    public const string MasterKey = "casetracker-tests-privacy-master-key-0123456789abcdef";

    public const string ExportKey = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg1gPtH8TqMxlmHDKT
        NVOL0kFMSkAzRHAO8tinsM5mUOahRANCAAROcPcWnfzqbFqRrAROG+AwHpxCvEyp
        Z87+Hnzgg88JGSelPp7JobBC7eDmWpC2/NQvlDEZvK7cdt1R3/JiZKPA
        -----END PRIVATE KEY-----
        """;

    /// <summary>The test server binds no sockets; a request reaches this port by setting its connection's local port.</summary>
    public const int MetricsPort = 9464;

    /// <summary>
    /// Time travel keeps a checkpoint of the case fold every this many events (500 in production):
    /// few enough that every time-travel test of the suite folds from checkpoints, not only a test of them.
    /// </summary>
    public const int CheckpointEvery = 3;

    public IAlbaHost Host { get; private set; } = null!;
    public string ConnectionString { get; private set; } = null!;

    public IDocumentStore Store => Host.Services.GetRequiredService<IDocumentStore>();

    public virtual async Task InitializeAsync()
    {
        ConnectionString = await CreateDatabaseAsync();
        Host = await AlbaHost.For<Program>(builder =>
        {
            builder.UseEnvironment("Testing");
            builder.UseSetting("ConnectionStrings:CaseTracker", ConnectionString);
            builder.UseSetting("Auth:SigningKey", SigningKey);
            builder.UseSetting("Audit:Key", AuditKey);
            builder.UseSetting("Audit:ExportKey", ExportKey);
            builder.UseSetting("Privacy:MasterKey", MasterKey);
            foreach (var (key, value) in Settings) builder.UseSetting(key, value);
            builder.ConfigureServices(services =>
            {
                services.RunWolverineInSoloMode();
                if (!ExternalTransports) services.DisableAllExternalWolverineTransports();
                ConfigureServices(services);
            });
        });
    }

    /// <summary>A fresh database on the run's shared server; fault tests bring a server of their own.</summary>
    protected virtual Task<string> CreateDatabaseAsync() => PostgresServer.CreateDatabaseAsync();

    /// <summary>Whether Wolverine connects to the message brokers the settings name (a test's own RabbitMQ).</summary>
    protected virtual bool ExternalTransports => false;

    /// <summary>Services changed for this host only, after the application's own.</summary>
    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    /// <summary>Configuration for this host; tests share one budget per user, so it is generous.</summary>
    protected virtual IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Limits:RequestsPerMinute"] = "1000000",
        ["Telemetry:LagProbeSeconds"] = "0.2",
        ["Metrics:Port"] = MetricsPort.ToString(),
        ["TimeTravel:CheckpointEvery"] = CheckpointEvery.ToString(),
    };

    public string TokenFor(string role, string user = "test-user", string? agency = "Test Agency") =>
        Host.Services.GetRequiredService<TokenIssuer>().Issue(user, role, agency, TimeSpan.FromHours(1));

    public virtual async Task DisposeAsync()
    {
        // A fixture whose start failed has no host; xunit reports that failure, not a second one here.
        if (Host is null) return;
        await Host.StopAsync();
        await Host.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class CaseApiCollection : ICollectionFixture<AppFixture>
{
    public const string Name = "case api";
}
