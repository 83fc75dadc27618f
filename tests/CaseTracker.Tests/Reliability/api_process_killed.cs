using System.Net.Http.Json;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using CaseTracker.Tests.Support;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Reliability;

/// <summary>The API as a real process, killed with SIGKILL mid-load and started again.</summary>
[Collection(CaseApiCollection.Name)]
public class api_process_killed(AppFixture fixture)
{
    [Fact]
    public async Task acknowledged_commands_survive_and_projections_resume_to_what_a_rebuild_gives()
    {
        var connectionString = await PostgresServer.CreateDatabaseAsync();
        var environment = ApiProcess.ServerEnvironment(fixture, connectionString);
        await using var api = new ApiServer(environment);
        await api.StartAsync();

        using var client = new HttpClient { BaseAddress = api.Address, Timeout = TimeSpan.FromSeconds(10) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", fixture.TokenFor(Roles.Officer, "field-officer", "Xingtai PSB"));
        var ledger = new CommandLedger();
        var opened = await ledger.Send(client, "/api/cases", Commands.OpenCase($"KILL-{Guid.NewGuid():N}"[..30]), "open");
        var caseId = (await opened!.Content.ReadFromJsonAsync<CommandAccepted>(IntegrationContext.Json))!.CaseId;

        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 4).Select(writer => Task.Run(async () =>
        {
            for (var n = 0; !stop.IsCancellationRequested && n < 300; n++)
            {
                object body = n % 3 == 0 ? new { name = $"Person {writer}-{n}" } : Commands.Seizure(1 + n % 5, "g");
                var route = n % 3 == 0 ? "defendants" : "seizures";
                await ledger.Send(client, $"/api/cases/{caseId}/{route}", body, $"w{writer}-{n}");
            }
        })).ToList();

        await Task.Delay(2000);
        api.Kill();
        await Task.Delay(500);
        await api.StartAsync();
        await Task.Delay(2000);
        await stop.CancelAsync();
        await Task.WhenAll(writers);

        ledger.Refusals.ShouldBeEmpty();
        ledger.Accepted.ShouldBeGreaterThan(20);
        await ledger.VerifyAgainst(connectionString);

        await AsyncProjections.CaughtUp(connectionString, TimeSpan.FromSeconds(60));
        var resumed = await AsyncProjections.Documents(connectionString, "mt_doc_defendantprofile", "mt_doc_dashboardstats");
        api.Kill();

        var (exitCode, _, errors) = await ApiProcess.Run(environment, "projections", "--rebuild");
        exitCode.ShouldBe(0, errors);
        var rebuilt = await AsyncProjections.Documents(connectionString, "mt_doc_defendantprofile", "mt_doc_dashboardstats");
        rebuilt.ShouldBe(resumed, "the projections resumed where they stopped and match a full rebuild");
    }
}
