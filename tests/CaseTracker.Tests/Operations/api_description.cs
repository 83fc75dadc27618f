using System.Diagnostics;
using System.Text.Json.Nodes;
using Alba;
using CaseTracker.Tests.Support;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Operations;

/// <summary>
/// The served OpenAPI description passes Redocly's recommended rules, and is the very file the
/// typed client in tests/CaseTracker.Client is generated from.
/// </summary>
public class api_description(AppFixture fixture) : IntegrationContext(fixture)
{
    /// <summary>Set to rewrite the committed description from the served one instead of comparing them.</summary>
    public const string RefreshVariable = "CASETRACKER_REFRESH_OPENAPI";

    private const string Refresh =
        $"{RefreshVariable}=1 dotnet test tests/CaseTracker.Tests --filter FullyQualifiedName~Operations.api_description";

    private static string Committed => Path.Combine(Repository.Root(), "tests", "CaseTracker.Client", "openapi.json");

    private async Task<string> Served() =>
        (await Host.Scenario(x => x.Get.Url("/openapi/v1.json"))).ReadAsText();

    [Fact]
    public async Task the_served_description_is_the_one_the_client_is_generated_from()
    {
        var served = await Served();
        if (Environment.GetEnvironmentVariable(RefreshVariable) == "1")
        {
            await File.WriteAllTextAsync(Committed, JsonNode.Parse(served)!.ToJsonString(new() { WriteIndented = true }) + "\n");
        }

        JsonNode.DeepEquals(JsonNode.Parse(served), JsonNode.Parse(await File.ReadAllTextAsync(Committed)))
            .ShouldBeTrue($"the served /openapi/v1.json differs from tests/CaseTracker.Client/openapi.json; refresh it with: {Refresh}");
    }

    [Fact]
    public async Task redocly_finds_no_error_and_no_warning_with_its_recommended_rules()
    {
        var folder = Path.Combine(Repository.Root(), "tests", "openapi");
        var cli = Path.Combine(folder, "node_modules", "@redocly", "cli", "bin", "cli.js");
        File.Exists(cli).ShouldBeTrue("run ops/test (or npm ci in tests/openapi) to install @redocly/cli");

        var description = Path.Combine(Path.GetTempPath(), $"casetracker-openapi-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(description, await Served());
        try
        {
            var lint = new ProcessStartInfo("node", [cli, "lint", "--config", Path.Combine(folder, "redocly.yaml"), "--format", "json", description])
            {
                WorkingDirectory = folder,
                Environment = { ["REDOCLY_TELEMETRY"] = "off", ["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true" },
            };
            var (exitCode, output, errors) = await ChildProcess.Run(lint, TimeSpan.FromMinutes(2));

            var report = JsonNode.Parse(output[output.IndexOf('{')..])!;
            var problems = report["problems"]!.AsArray()
                .Select(x => $"{x!["severity"]} {x["ruleId"]}: {x["message"]} at {x["location"]?[0]?["pointer"]}");
            var summary = string.Join(Environment.NewLine, problems) + errors;
            report["totals"]!["errors"]!.GetValue<int>().ShouldBe(0, summary);
            report["totals"]!["warnings"]!.GetValue<int>().ShouldBe(0, summary);
            exitCode.ShouldBe(0, summary);
        }
        finally
        {
            File.Delete(description);
        }
    }
}
