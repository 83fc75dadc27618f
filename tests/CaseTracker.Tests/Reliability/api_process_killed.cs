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
    /// <summary>Commands acknowledged before the kill, and again after the restart.</summary>
    private const int Enough = 30;

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
        opened.ShouldNotBeNull("the case to write to was never opened");
        var caseId = (await opened.Content.ReadFromJsonAsync<CommandAccepted>(IntegrationContext.Json))!.CaseId;

        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 4).Select(writer => Task.Run(async () =>
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                object body = n % 3 == 0 ? new { name = $"Person {writer}-{n}" } : Commands.Seizure(1 + n % 5, "g");
                var route = n % 3 == 0 ? "defendants" : "seizures";
                await ledger.Send(client, $"/api/cases/{caseId}/{route}", body, $"w{writer}-{n}");
            }
        })).ToList();

        // Killed once writes are flowing, whatever the machine's speed; writers keep sending throughout.
        await ledger.Until(x => x.Accepted >= 1 + Enough, writers, $"{Enough} commands acknowledged before the kill");
        api.Kill();
        var interruptedBefore = ledger.Interrupted;
        await api.StartAsync();
        var restarted = ledger.Accepted;
        await ledger.Until(x => x.Accepted >= restarted + Enough, writers, $"{Enough} more commands acknowledged after the restart");
        await stop.CancelAsync();
        await Task.WhenAll(writers).WaitAsync(TimeSpan.FromMinutes(4));

        ledger.Interrupted.ShouldBeGreaterThan(interruptedBefore, "the kill must have cut writers off mid-load");
        ledger.Refusals.ShouldBeEmpty();
        ledger.Accepted.ShouldBeGreaterThanOrEqualTo(1 + 2 * Enough);
        await ledger.VerifyAgainst(connectionString);

        await AsyncProjections.CaughtUp(connectionString, TimeSpan.FromMinutes(3));
        var resumed = await AsyncProjections.Documents(connectionString, "mt_doc_defendantprofile", "mt_doc_dashboardstats");
        api.Kill();

        var (exitCode, _, errors) = await ApiProcess.Run(environment, "projections", "--rebuild");
        exitCode.ShouldBe(0, errors);
        var rebuilt = await AsyncProjections.Documents(connectionString, "mt_doc_defendantprofile", "mt_doc_dashboardstats");
        rebuilt.ShouldBe(resumed, "the projections resumed where they stopped and match a full rebuild");
    }
}
