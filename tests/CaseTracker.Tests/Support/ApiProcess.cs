using System.Diagnostics;

namespace CaseTracker.Tests.Support;

/// <summary>Runs the built API as its own process, for CLI verbs.</summary>
public static class ApiProcess
{
    public static async Task<(int ExitCode, string Output, string Errors)> Run(IDictionary<string, string?> environment, params string[] args)
    {
        var api = Path.Combine(AppContext.BaseDirectory, "CaseTracker.Api.dll");
        var start = new ProcessStartInfo("dotnet", [api, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (key, value) in environment) start.Environment[key] = value;

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await errors);
    }

    public static Dictionary<string, string?> Environment(AppFixture fixture) => new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Testing",
        ["ConnectionStrings__CaseTracker"] = fixture.ConnectionString,
        ["Auth__SigningKey"] = AppFixture.SigningKey,
        ["Audit__Key"] = AppFixture.AuditKey,
        ["Audit__ExportKey"] = AppFixture.ExportKey,
    };

    /// <summary>
    /// For an API server of its own on another database: the fixture's keys (so its tokens work), no
    /// request budget to meet, and a cluster that notices a dead node within seconds.
    /// </summary>
    public static Dictionary<string, string?> ServerEnvironment(AppFixture fixture, string connectionString)
    {
        var environment = Environment(fixture);
        environment["ConnectionStrings__CaseTracker"] = connectionString;
        environment["Limits__RequestsPerMinute"] = "1000000";
        environment["Cluster__HealthCheckSeconds"] = "1";
        environment["Cluster__StaleNodeSeconds"] = "4";
        return environment;
    }
}
