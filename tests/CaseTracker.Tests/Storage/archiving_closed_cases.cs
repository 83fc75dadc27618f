using System.Text.Json.Nodes;
using Alba;
using CaseTracker.Api.Audit;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Exports;
using CaseTracker.Api.Storage;
using CaseTracker.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Storage;

/// <summary>Its own database: archiving moves every stream that qualifies, other tests' included.</summary>
public sealed class ArchiveFixture : AppFixture;

[CollectionDefinition(Name)]
public sealed class ArchiveCollection : ICollectionFixture<ArchiveFixture>
{
    public const string Name = "archive";
}

[Collection(ArchiveCollection.Name)]
public class archiving_closed_cases(ArchiveFixture fixture) : IntegrationContext(fixture)
{
    private ClosedStreamArchive Archive => Fixture.Host.Services.GetRequiredService<ClosedStreamArchive>();

    /// <summary>A closed case with a person, a seizure, an exhibit disposed of and one still held.</summary>
    private async Task<(Guid CaseId, Guid Person, Guid Disposed, Guid Held)> ClosedCase(string name)
    {
        var caseId = await OpenCase();
        await Accepted($"/api/cases/{caseId}/tips", Commands.Tip());
        var person = await IdentifyDefendant(caseId, name);
        var seizure = await RecordSeizure(caseId);
        var disposed = await LogExhibit(caseId, Commands.Exhibit(seizure, "XT-1/1", $"S-{Guid.NewGuid():N}"));
        var held = await LogExhibit(caseId, Commands.Exhibit(seizure, "XT-1/2", $"S-{Guid.NewGuid():N}"));
        await Accepted($"/api/exhibits/{disposed}/disposal", Commands.Disposal());
        await Accepted($"/api/cases/{caseId}/closure", Commands.Closure());
        return (caseId, person, disposed, held);
    }

    /// <summary>Whether each of the stream's rows, and its stream row, are in the archived partition.</summary>
    private async Task<bool[]> Partitions(Guid streamId)
    {
        await using var connection = new NpgsqlConnection(Fixture.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"""
             select tableoid::regclass::text like '%archived' from {StoreConfiguration.Schema}.mt_streams where id = @id
             union all
             select tableoid::regclass::text like '%archived' from {StoreConfiguration.Schema}.mt_events where stream_id = @id
             """, connection);
        command.Parameters.AddWithValue("id", streamId);
        var found = new List<bool>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) found.Add(reader.GetBoolean(0));
        return [.. found];
    }

    private async Task<string> Read(string url, string role = Roles.Auditor) =>
        (await Host.Scenario(x =>
        {
            x.Get.Url(url);
            x.WithBearerToken(Fixture.TokenFor(role));
            x.StatusCodeShouldBe(200);
        })).ReadAsText();

    [Fact]
    public async Task an_archived_case_reads_travels_verifies_and_refuses_commands_as_before()
    {
        var (caseId, _, disposed, held) = await ClosedCase("Zhao Lei");
        var version = await StreamVersion(caseId);
        string[] reads =
        [
            $"/api/cases/{caseId}", $"/api/cases/{caseId}/events", $"/api/cases/{caseId}?version=3", $"/api/cases/{caseId}?knownAt={DateTimeOffset.UtcNow.AddYears(1):O}",
            $"/api/cases/{caseId}?asOf=2018-07-02T00:00:00%2B08:00", $"/api/exhibits/{disposed}", $"/api/exhibits/{disposed}/events",
            $"/api/exhibits/{disposed}?version=1", $"/api/cases/{caseId}/integrity", $"/api/exhibits/{disposed}/integrity",
        ];
        var before = new List<string>();
        foreach (var url in reads) before.Add(await Read(url));
        var officerBefore = await Read($"/api/cases/{caseId}", Roles.Officer);

        var run = await Archive.RunAsync(0, 1, CancellationToken.None);

        run.Cases.ShouldBeGreaterThanOrEqualTo(1);
        run.Exhibits.ShouldBeGreaterThanOrEqualTo(1);
        (await Partitions(caseId)).ShouldAllBe(archived => archived);
        (await Partitions(caseId)).Length.ShouldBe((int)version + 1);
        (await Partitions(disposed)).ShouldAllBe(archived => archived);
        (await Partitions(held)).ShouldAllBe(archived => !archived, "an exhibit still held takes custody steps after its case closes");

        for (var i = 0; i < reads.Length; i++) (await Read(reads[i])).ShouldBe(before[i], reads[i]);
        (await Read($"/api/cases/{caseId}", Roles.Officer)).ShouldBe(officerBefore);
        (await GetJson<IntegrityReport>($"/api/cases/{caseId}/integrity", Roles.Auditor)).Valid.ShouldBeTrue();

        var export = (await Host.Scenario(x =>
        {
            x.Get.Url($"/api/cases/{caseId}/export");
            x.WithBearerToken(Fixture.TokenFor(Roles.Auditor));
        })).ReadAsText();
        ExportVerifier.Verify(System.Text.Encoding.UTF8.GetBytes(export), await Host.GetAsText("/.well-known/casetracker-export-key")).Valid.ShouldBeTrue();

        var refused = await Refused($"/api/cases/{caseId}/tips", Commands.Tip(), 409, caseId);
        refused["detail"]!.GetValue<string>().ShouldContain("closed");
        await Refused($"/api/exhibits/{disposed}/transfers",
            Commands.Transfer(Commands.EvidenceStore, Commands.Laboratory, "lab-analysis", "2021-08-10T09:00:00+08:00"), 409, disposed);
        await Accepted($"/api/exhibits/{held}/disposal", Commands.Disposal());
        (await Archive.RunAsync(0, 1, CancellationToken.None)).Exhibits.ShouldBeGreaterThanOrEqualTo(1);
        (await Partitions(held)).ShouldAllBe(archived => archived, "disposed of, it follows its case");
    }

    [Fact]
    public async Task open_cases_and_streams_closed_for_less_than_the_period_stay_active()
    {
        var open = await OpenCase();
        await Accepted($"/api/cases/{open}/tips", Commands.Tip());
        var (closed, _, disposed, _) = await ClosedCase("Qian Jun");

        await Archive.RunAsync(1, ClosedStreamArchive.DefaultBatch, CancellationToken.None);
        (await Partitions(closed)).ShouldAllBe(archived => !archived, "closed a moment ago, not a day");
        (await Partitions(disposed)).ShouldAllBe(archived => !archived);

        await Archive.RunAsync(0, ClosedStreamArchive.DefaultBatch, CancellationToken.None);
        (await Partitions(open)).ShouldAllBe(archived => !archived, "an open case is never archived");
        (await Partitions(closed)).ShouldAllBe(archived => archived);
    }

    [Fact]
    public async Task a_person_named_only_in_an_archived_case_is_found_merged_and_expunged()
    {
        var (caseId, person, _, _) = await ClosedCase("Sun Hao");
        await Archive.RunAsync(0, ClosedStreamArchive.DefaultBatch, CancellationToken.None);
        await ProjectionsCaughtUp();

        (await GetJson<JsonObject>($"/api/defendants/{person}?version={long.MaxValue / 2}", Roles.Auditor))["names"]!.ToJsonString().ShouldContain("Sun Hao");
        await Host.Scenario(x =>
        {
            x.Post.Json(Commands.Expungement()).ToUrl($"/api/defendants/{person}/expungement");
            x.WithBearerToken(Fixture.TokenFor(Roles.Admin, "records"));
            x.StatusCodeShouldBe(200);
        });

        var read = await Read($"/api/cases/{caseId}", Roles.Auditor);
        read.ShouldNotContain("Sun Hao");
        read.ShouldContain("[expunged]");
        (await Read($"/api/cases/{caseId}?version=3")).ShouldNotContain("Sun Hao");
    }

    [Fact]
    public async Task the_guard_lets_a_stream_leave_the_active_partitions_only_whole_closed_and_as_its_copy()
    {
        var open = await OpenCase();
        await Accepted($"/api/cases/{open}/tips", Commands.Tip());
        var (closed, _, _, _) = await ClosedCase("Wu Gang");
        await using var connection = new NpgsqlConnection(Fixture.ConnectionString);
        await connection.OpenAsync();

        async Task<string> Refusal(string sql, Guid streamId)
        {
            await using var command = new NpgsqlCommand(string.Format(sql, StoreConfiguration.Schema), connection);
            command.Parameters.AddWithValue("id", streamId);
            return (await Should.ThrowAsync<PostgresException>(() => command.ExecuteNonQueryAsync())).MessageText;
        }

        (await Refusal("delete from {0}.mt_events where stream_id = @id and version = 2", open)).ShouldContain("CaseTracker events are immutable");
        (await Refusal("update {0}.mt_events set is_archived = true where stream_id = @id and version = 2", open)).ShouldContain("CaseTracker events are immutable");
        (await Refusal("select {0}.mt_archive_stream(@id)", open)).ShouldContain("archives only a closed stream");
        (await Refusal("update {0}.mt_streams set is_archived = true where id = @id", open)).ShouldContain("kept whole");
        (await Refusal("delete from {0}.mt_streams where id = @id", open)).ShouldContain("kept whole");
        foreach (var table in new[] { "mt_events", "mt_events_default", "mt_events_archived", "mt_streams", "mt_streams_archived" })
        {
            (await Refusal($"truncate {{0}}.{table} cascade", open)).ShouldContain("TRUNCATE");
        }

        // A closed case's copy that differs in anything but the flag is refused, and so the original stays.
        (await Refusal("""
                       insert into {0}.mt_streams (id, type, version, timestamp, created, tenant_id, is_archived)
                         select id, type, version, timestamp, created, tenant_id, true from {0}.mt_streams where id = @id;
                       insert into {0}.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type, correlation_id, causation_id, headers, user_name, is_archived)
                         select seq_id, id, stream_id, version, jsonb_set(data, '{{place}}', '"forged"'), type, timestamp, tenant_id, mt_dotnet_type, correlation_id, causation_id, headers, user_name, true
                         from {0}.mt_events where stream_id = @id and version = 4;
                       """, closed)).ShouldContain("archived only as copies");
        (await Partitions(closed)).ShouldAllBe(archived => !archived);

        // Archived whole (as the archive does), its rows are as immutable as before.
        await using (var archive = new NpgsqlCommand($"select {StoreConfiguration.Schema}.mt_archive_stream(@id)", connection))
        {
            archive.Parameters.AddWithValue("id", closed);
            await archive.ExecuteNonQueryAsync();
        }

        (await Partitions(closed)).ShouldAllBe(archived => archived);
        (await Refusal("delete from {0}.mt_events where stream_id = @id and version = 2", closed)).ShouldContain("CaseTracker events are immutable");
        (await Refusal("update {0}.mt_events set is_archived = false where stream_id = @id", closed)).ShouldContain("CaseTracker events are immutable");
        (await Refusal("update {0}.mt_events set data = data where stream_id = @id", closed)).ShouldContain("CaseTracker events are immutable");
        (await Refusal("update {0}.mt_streams set version = version where id = @id", closed)).ShouldContain("kept whole");
        (await Refusal("delete from {0}.mt_streams where id = @id", closed)).ShouldContain("kept whole");
        (await GetJson<IntegrityReport>($"/api/cases/{closed}/integrity", Roles.Auditor)).Valid.ShouldBeTrue();
    }

    [Fact]
    public async Task a_stream_archived_with_the_guard_switched_off_is_named_when_it_was_never_closed()
    {
        var caseId = await OpenCase();
        await Accepted($"/api/cases/{caseId}/tips", Commands.Tip());
        await Tamper("select {0}.mt_archive_stream(@id)", caseId);

        var report = await GetJson<IntegrityReport>($"/api/cases/{caseId}/integrity", Roles.Auditor);
        (report.Valid, report.FirstInvalidVersion).ShouldBe((false, 2L));
        report.Reason!.ShouldContain("never closed");
    }

    [Fact]
    public async Task a_stream_the_archive_cannot_move_is_reported_and_holds_back_no_other()
    {
        var (stuck, _, _, _) = await ClosedCase("Zheng Hui");
        var (other, _, _, _) = await ClosedCase("Feng Yu");
        // An archived row already there (put in with the guard off) makes the copy collide.
        await Tamper("insert into {0}.mt_streams (id, type, version, timestamp, created, tenant_id, is_archived) " +
                     "select id, type, version, timestamp, created, tenant_id, true from {0}.mt_streams where id = @id", stuck);

        var run = await Archive.RunAsync(0, ClosedStreamArchive.DefaultBatch, CancellationToken.None);

        run.Failed.Select(x => x.StreamId).ShouldBe([stuck]);
        (await Partitions(other)).ShouldAllBe(archived => archived);
        (await StreamVersion(stuck)).ShouldBeGreaterThan(0);

        // Taken out again, so that the other tests' runs of this database have nothing to report.
        await Tamper("delete from {0}.mt_streams where id = @id and is_archived", stuck);
        (await Archive.RunAsync(0, ClosedStreamArchive.DefaultBatch, CancellationToken.None)).Failed.ShouldBeEmpty();
        (await Partitions(stuck)).ShouldAllBe(archived => archived);
    }

    [Fact]
    public async Task every_reader_of_the_event_log_reads_archived_streams()
    {
        var projections = ((Marten.StoreOptions)Fixture.Store.Options).Projections;
        var shards = projections.AllShards();
        shards.Select(x => x.Name.Name).ShouldContain("WebhookDispatch");
        shards.Select(x => x.Name.Name).ShouldContain("DefendantProfile");
        foreach (var shard in shards) shard.Filters.IncludeArchivedEvents.ShouldBeTrue(shard.Name.Identity);
        // Inline projections run in no shard but are rebuilt by one.
        foreach (var projection in projections.All)
        {
            projection.ShouldBeAssignableTo<JasperFx.Events.Projections.IEventFilterable>()!.IncludeArchivedEvents.ShouldBeTrue(projection.Name);
        }
    }

    [Fact]
    public async Task the_archive_verb_reports_what_it_moved_and_audit_verify_finds_every_chain_valid()
    {
        var (caseId, _, _, _) = await ClosedCase("Zhou Bin");

        var (exitCode, output, errors) = await ApiProcess.Run(ApiProcess.Environment(Fixture), "archive", "--closed-for-days", "0");
        exitCode.ShouldBe(0, errors);
        output.ShouldMatch(@"[1-9]\d* cases and [1-9]\d* exhibits closed before .* archived");
        (await Partitions(caseId)).ShouldAllBe(archived => archived);

        (exitCode, output, errors) = await ApiProcess.Run(ApiProcess.Environment(Fixture), "archive", "--closed-for-days", "0");
        exitCode.ShouldBe(0, errors);
        output.ShouldContain("0 cases and 0 exhibits closed before");

        (exitCode, output, errors) = await ApiProcess.Run(ApiProcess.Environment(Fixture), "audit", "verify");
        output.ShouldContain("streams checked");
        output.ShouldNotContain($"INVALID case {caseId}");
    }
}
