using CaseTracker.Api.Audit;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Privacy;
using Marten;
using Wolverine.Marten;

namespace CaseTracker.Api.Storage;

public static class StorageSetup
{
    /// <summary>
    /// Where a Development run looks when nothing is configured: the PostgreSQL that ops/run provides
    /// (its local cluster or the compose service), so CLI verbs work from any shell.
    /// </summary>
    public const string DevelopmentConnectionString = "Host=127.0.0.1;Port=55432;Database=casetracker;Username=postgres;Password=postgres";

    public static IServiceCollection AddCaseTrackerStorage(this IServiceCollection services)
    {
        // Resolved lazily: verbs that never touch the database (token) need no database settings, and
        // hosts configured late (tests) are honoured.
        services.AddSingleton(sp => AuditKey.From(sp.GetRequiredService<IConfiguration>(), sp.GetRequiredService<IHostEnvironment>()));
        services.AddSingleton<EventSeal>();
        services.AddSingleton(sp => MasterKey.From(sp.GetRequiredService<IConfiguration>(), sp.GetRequiredService<IHostEnvironment>()));
        services.AddSingleton<PersonalKeys>();
        services.AddSingleton(sp => ExportKey.From(sp.GetRequiredService<IConfiguration>(), sp.GetRequiredService<IHostEnvironment>()));
        services.AddSingleton<StreamIntegrity>();
        services.AddSingleton<Checkpoints>();
        services.AddSingleton<CaseCheckpoints>();
        services.AddSingleton<ClosedStreamArchive>();

        services.AddMarten(sp => new StoreOptions().ConfigureCaseTracker(
                ConnectionString(sp.GetRequiredService<IConfiguration>(), sp.GetRequiredService<IHostEnvironment>()),
                sp.GetRequiredService<EventSeal>(),
                sp.GetRequiredService<PersonalKeys>()))
            .UseLightweightSessions()
            .ApplyAllDatabaseChangesOnStartup()
            // Wolverine runs each asynchronous projection on exactly one node and moves it when a node dies.
            .IntegrateWithWolverine(wolverine => wolverine.UseWolverineManagedEventSubscriptionDistribution = true);
        // On the store itself rather than on a start: every verb's host builds the store, and few start.
        var marten = services.Single(x => x.ServiceType == typeof(IDocumentStore));
        services.Remove(marten);
        services.AddSingleton(sp => EventSequenceRepair.AddTo((IDocumentStore)marten.ImplementationFactory!(sp),
            sp.GetRequiredService<ILogger<EventSequenceRepair>>()));
        // Before any hosted service starts (the daemon, Kestrel): a changed projection rebuilt, once.
        services.AddHostedService<ProjectionFingerprints>();

        return services;
    }

    /// <summary><c>ConnectionStrings:CaseTracker</c>; the defaults added to it are in <see cref="StoreConfiguration.Tuned"/>.</summary>
    public static string ConnectionString(IConfiguration configuration, IHostEnvironment environment)
    {
        var configured = configuration.GetConnectionString("CaseTracker");
        if (string.IsNullOrWhiteSpace(configured) && environment.IsDevelopment()) configured = DevelopmentConnectionString;
        if (string.IsNullOrWhiteSpace(configured))
        {
            throw new InvalidOperationException(
                "ConnectionStrings:CaseTracker (env ConnectionStrings__CaseTracker) is not set; ops/run sets it for you.");
        }

        return configured;
    }
}
