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
    };
}
