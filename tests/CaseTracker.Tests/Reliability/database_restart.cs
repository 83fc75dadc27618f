using System.Net;
using System.Net.Http.Json;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using CaseTracker.Tests.Support;
using Npgsql;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Reliability;

/// <summary>A host on a PostgreSQL server of its own, so the test can crash and restart it.</summary>
public sealed class OwnServerFixture : AppFixture
{
    public PostgresServer.LocalCluster Server { get; private set; } = null!;

    protected override async Task<string> CreateDatabaseAsync()
    {
        Server = await PostgresServer.LocalCluster.Start(durable: true);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Server.Stop();
        await using (var connection = new NpgsqlConnection(Server.ConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand("create database casetracker", connection);
            await create.ExecuteNonQueryAsync();
        }

        // Short connect timeout: during the outage a request should fail fast, not wait 15 s.
        return new NpgsqlConnectionStringBuilder(Server.ConnectionString) { Database = "casetracker", Timeout = 3 }.ConnectionString;
    }
}

[CollectionDefinition(Name)]
public sealed class OwnServerCollection : ICollectionFixture<OwnServerFixture>
{
    public const string Name = "own server";
}

[Collection(OwnServerCollection.Name)]
public class database_restart(OwnServerFixture fixture)
{
    /// <summary>Commands acknowledged before the crash, and again after the restart.</summary>
    private const int Enough = 30;

    /// <summary>503s answered while PostgreSQL is down: more than one writer's worth.</summary>
    private const int OutageAnswers = 8;

    [Fact]
    public async Task writers_see_503_during_a_crash_and_every_acknowledged_command_is_stored_exactly_once()
    {
        using var client = fixture.Host.Server.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", fixture.TokenFor(Roles.Officer, "field-officer", "Xingtai PSB"));
        var cases = new List<Guid>();
        for (var i = 0; i < 2; i++)
        {
            var opened = await client.PostAsJsonAsync("/api/cases", Commands.OpenCase($"RESTART-{i}-{Guid.NewGuid():N}"[..30]));
            cases.Add((await opened.Content.ReadFromJsonAsync<CommandAccepted>(IntegrationContext.Json))!.CaseId);
        }

        var ledger = new CommandLedger();
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 4).Select(writer => Task.Run(async () =>
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                await ledger.Send(client, $"/api/cases/{cases[writer % 2]}/tips", Commands.Tip(), $"w{writer}-{n}");
            }
        })).ToList();

        // Each phase ends on what the writers have met, not on the clock: crashed once commands are
        // flowing, kept down until writers have been answered 503 (the outage reached them), restarted,
        // then written to until as many more are acknowledged.
        await ledger.Until(x => x.Accepted >= Enough, writers, $"{Enough} commands acknowledged before the crash");
        await Task.Run(fixture.Server.StopImmediate);
        var unavailableBefore = ledger.Unavailable;
        await ledger.Until(x => x.Unavailable >= unavailableBefore + OutageAnswers, writers, $"{OutageAnswers} answers of 503 during the outage");
        await Task.Run(fixture.Server.StartAgain);
        var restarted = ledger.Accepted;
        await ledger.Until(x => x.Accepted >= restarted + Enough, writers, $"{Enough} more commands acknowledged after the restart");
        await stop.CancelAsync();
        await Task.WhenAll(writers).WaitAsync(TimeSpan.FromMinutes(4));

        ledger.Statuses.ShouldContain(HttpStatusCode.ServiceUnavailable, "the outage must have been met");
        ledger.Refusals.ShouldBeEmpty();
        ledger.Statuses.ShouldAllBe(s => s == HttpStatusCode.OK || s == HttpStatusCode.ServiceUnavailable);
        ledger.UnavailableWithoutRetryAfter.ShouldBeEmpty();
        ledger.LongestAnswer.ShouldBeLessThan(TimeSpan.FromSeconds(15), "no request hangs past the connect timeout");
        ledger.Accepted.ShouldBeGreaterThanOrEqualTo(2 * Enough);
        await ledger.VerifyAgainst(fixture.ConnectionString);

        var after = await client.PostAsJsonAsync($"/api/cases/{cases[0]}/tips", Commands.Tip());
        after.StatusCode.ShouldBe(HttpStatusCode.OK, "the API recovers by itself once PostgreSQL is back");
    }
}
