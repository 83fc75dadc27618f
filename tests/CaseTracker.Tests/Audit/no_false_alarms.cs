using CaseTracker.Api.Audit;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Privacy;
using CaseTracker.Api.Storage;
using CaseTracker.Tests.Support;
using JasperFx.Events;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Audit;

/// <summary>
/// Routine races must never make the tamper check fail: real tampering would hide among false
/// alarms. Marten answers an append that fails (a lost race, a duplicate) by writing to a
/// tombstone stream of its own, which is no case.
/// </summary>
public class no_false_alarms(AppFixture fixture) : IntegrationContext(fixture)
{
    [Fact]
    public async Task parallel_commands_on_a_fresh_case_leave_every_chain_valid()
    {
        var caseId = await OpenCase();
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Host.Scenario(x =>
        {
            x.Post.Json(Commands.Tip()).ToUrl($"/api/cases/{caseId}/tips");
            x.WithBearerToken(Fixture.TokenFor(Roles.Officer));
            x.WithRequestHeader("Idempotency-Key", $"race-{caseId}-{i % 4}");
            x.IgnoreStatusCode();
        })));

        results.Select(x => x.Context.Response.StatusCode).ShouldAllBe(status => status == 200);
        var streams = await StoredEvents.AllStreamIdsAsync(Fixture.Store, CancellationToken.None);
        streams.ShouldNotContain(Tombstone.StreamId);
        var integrity = Host.Services.GetRequiredService<StreamIntegrity>();
        (await integrity.VerifyAsync(caseId, CancellationToken.None))!.Valid.ShouldBeTrue();
        (await StreamVersion(caseId)).ShouldBe(5, "four distinct keys, each appended once");
    }

    [Fact]
    public async Task a_failed_append_leaves_no_phantom_case_and_no_broken_chain_even_after_a_rebuild()
    {
        var connectionString = await PostgresServer.CreateDatabaseAsync();
        var key = Host.Services.GetRequiredService<AuditKey>();
        using var store = DocumentStore.For(opts => opts.ConfigureCaseTracker(connectionString, new EventSeal(key, TimeProvider.System), Host.Services.GetRequiredService<PersonalKeys>()));
        var opened = new CaseOpened(Guid.NewGuid(), "TOMB-1", "Tombstones", "Xingtai PSB", "Hebei, CN", [], DateTimeOffset.Parse("2018-01-01T00:00:00Z"));
        await using (var session = store.LightweightSession())
        {
            session.Events.StartStream<CaseTracker.Api.Cases.Case>(opened.CaseId, opened);
            await session.SaveChangesAsync();
        }

        // Starting the same stream again fails at commit, and Marten records tombstones for it.
        await using (var session = store.LightweightSession())
        {
            session.Events.StartStream<CaseTracker.Api.Cases.Case>(opened.CaseId, opened with { Reference = "TOMB-2" });
            await Should.ThrowAsync<Exception>(() => session.SaveChangesAsync());
        }

        await WaitForTombstoneStream(connectionString);
        (await StoredEvents.AllStreamIdsAsync(store, CancellationToken.None)).ShouldBe([opened.CaseId]);

        using var daemon = await store.BuildProjectionDaemonAsync();
        await daemon.RebuildProjectionAsync<CaseHeaderProjection>(CancellationToken.None);
        await daemon.RebuildProjectionAsync<CaseProjection>(CancellationToken.None);
        await using var query = store.QuerySession();
        (await query.Query<CaseHeader>().ToListAsync()).Select(x => x.Reference).ShouldBe(["TOMB-1"]);
        (await query.Query<CaseTracker.Api.Cases.Case>().ToListAsync()).Select(x => x.Id).ShouldBe([opened.CaseId]);
        (await new StreamIntegrity(store, key).VerifyAsync(opened.CaseId, CancellationToken.None))!.Valid.ShouldBeTrue();
    }

    /// <summary>Marten writes tombstones in the background after the failed commit.</summary>
    private static async Task WaitForTombstoneStream(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            await using var command = new NpgsqlCommand($"select count(*) from {StoreConfiguration.Schema}.mt_streams where id = @id", connection);
            command.Parameters.AddWithValue("id", Tombstone.StreamId);
            if ((long)(await command.ExecuteScalarAsync())! > 0) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException("Marten wrote no tombstone stream for the failed append.");
            await Task.Delay(100);
        }
    }
}
