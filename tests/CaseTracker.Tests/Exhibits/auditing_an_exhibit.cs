using System.Text.Json.Nodes;
using CaseTracker.Api.Audit;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Exhibits;
using CaseTracker.Api.Storage;
using CaseTracker.Tests.Support;
using Npgsql;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Exhibits;

/// <summary>An exhibit's stream is chained, sealed, read and travelled exactly as a case's is.</summary>
public class auditing_an_exhibit(AppFixture fixture) : IntegrationContext(fixture)
{
    private async Task<(Guid CaseId, Guid ExhibitId)> ExhibitAtTheLaboratory()
    {
        var caseId = await OpenCase();
        var exhibitId = await LogExhibit(caseId, Commands.Exhibit(await RecordSeizure(caseId)));
        await Host.Scenario(x =>
        {
            x.Post.Json(Commands.Transfer(Commands.EvidenceStore, Commands.Laboratory, "lab-analysis", "2018-08-10T09:00:00+08:00"))
                .ToUrl($"/api/exhibits/{exhibitId}/transfers");
            x.WithBearerToken(Fixture.TokenFor(Roles.Officer, "bob", "Xingtai PSB"));
        });
        await Accepted($"/api/exhibits/{exhibitId}/lab-results", Commands.LabResult(998.2m));
        return (caseId, exhibitId);
    }

    private Task<IntegrityReport> Integrity(Guid exhibitId) =>
        GetJson<IntegrityReport>($"/api/exhibits/{exhibitId}/integrity", Roles.Auditor);

    [Fact]
    public async Task the_chain_of_custody_reads_as_a_history_with_actors_and_hashes()
    {
        var (caseId, exhibitId) = await ExhibitAtTheLaboratory();

        var history = await GetJson<HistoryEntry[]>($"/api/exhibits/{exhibitId}/events", Roles.Auditor);

        history.Select(e => (e.Version, e.Type)).ShouldBe([(1L, "ExhibitLogged"), (2L, "CustodyTransferred"), (3L, "LabAnalysisReported")]);
        history[1].Actor.ShouldBe(new Actor("bob", "officer", "Xingtai PSB"));
        history[1].OccurredAt.ShouldBe(DateTimeOffset.Parse("2018-08-10T09:00:00+08:00"));
        history[0].PreviousHash.ShouldBe(HashChain.Genesis);
        history[2].PreviousHash.ShouldBe(history[1].Hash);
        history[0].Data!["caseId"]!.GetValue<Guid>().ShouldBe(caseId);
        (await GetJson<ExhibitDetails>($"/api/exhibits/{exhibitId}")).Custody.Single().RecordedBy.ShouldBe("bob");

        (await Integrity(exhibitId)).ShouldBe(new IntegrityReport(caseId, true, 3, null, null) { ExhibitId = exhibitId });
        await GetJson<object>($"/api/exhibits/{exhibitId}/events", Roles.Officer, 403);
        await GetJson<object>($"/api/exhibits/{exhibitId}/integrity", Roles.Analyst, 403);
    }

    [Fact]
    public async Task a_case_and_an_exhibit_are_not_each_other()
    {
        var (caseId, exhibitId) = await ExhibitAtTheLaboratory();

        await GetJson<object>($"/api/cases/{exhibitId}/events", Roles.Auditor, 404);
        await GetJson<object>($"/api/cases/{exhibitId}/integrity", Roles.Auditor, 404);
        await GetJson<object>($"/api/cases/{exhibitId}?version=1", Roles.Auditor, 404);
        await GetJson<object>($"/api/exhibits/{caseId}/events", Roles.Auditor, 404);
        await GetJson<object>($"/api/exhibits/{caseId}/integrity", Roles.Auditor, 404);
        await GetJson<object>($"/api/exhibits/{caseId}?version=1", Roles.Auditor, 404);
    }

    [Fact]
    public async Task an_edited_custody_record_is_named_by_its_version_even_with_a_recomputed_chain()
    {
        var (_, exhibitId) = await ExhibitAtTheLaboratory();

        await Tamper("update {0}.mt_events set data = jsonb_set(data, '{{to}}', '\"Officer Mallory\"') where stream_id = @id and version = 2", exhibitId);
        (await Integrity(exhibitId)).FirstInvalidVersion.ShouldBe(2);

        var rows = await StoredEvents.ReadAsync(Fixture.Store, exhibitId, 1, 1000, CancellationToken.None);
        var previous = HashChain.Genesis;
        foreach (var row in rows)
        {
            var hash = HashChain.Next(previous, row.Chained(Fixture.Store.Options.Serializer())!.Canonical());
            await Tamper($"update {{0}}.mt_events set headers = headers || jsonb_build_object('previousHash', '{previous}', 'hash', '{hash}') " +
                         $"where stream_id = @id and version = {row.Version}", exhibitId);
            previous = hash;
        }

        var report = await Integrity(exhibitId);
        (report.Valid, report.FirstInvalidVersion, report.Reason).ShouldBe((false, 2L, "its hash is not signed with the audit key"));

        var (exitCode, output, _) = await ApiProcess.Run(ApiProcess.Environment(Fixture), "audit", "verify");
        exitCode.ShouldNotBe(0);
        output.ShouldContain($"INVALID exhibit {exhibitId} at version 2");
    }

    [Fact]
    public async Task an_exhibit_as_it_stood_at_a_version_when_known_and_as_of_a_business_time()
    {
        var (_, exhibitId) = await ExhibitAtTheLaboratory();
        var history = await GetJson<HistoryEntry[]>($"/api/exhibits/{exhibitId}/events", Roles.Auditor);

        var logged = await GetJson<ExhibitDetails>($"/api/exhibits/{exhibitId}?version=1", Roles.Auditor);
        (logged.Version, logged.Status, logged.Custody.Count).ShouldBe((1L, "in-custody", 0));

        var known = await GetJson<ExhibitDetails>($"/api/exhibits/{exhibitId}?knownAt={Uri.EscapeDataString(history[1].RecordedAt.ToString("O"))}", Roles.Auditor);
        (known.Status, known.LabResults.Count).ShouldBe(("at-lab", 0));

        var asOf = await GetJson<ExhibitDetails>($"/api/exhibits/{exhibitId}?asOf={Uri.EscapeDataString("2018-08-15T00:00:00+08:00")}", Roles.Auditor);
        (asOf.Status, asOf.Confirmed).ShouldBe(("at-lab", null));

        await GetJson<object>($"/api/exhibits/{exhibitId}?version=1", Roles.Officer, 403);
        await GetJson<object>($"/api/exhibits/{exhibitId}?asOf={Uri.EscapeDataString("2017-01-01T00:00:00Z")}", Roles.Auditor, 404);

        // The stored exhibit and the exhibit folded up to its version are the same, byte for byte.
        using var auditor = Fixture.Host.Server.CreateClient();
        auditor.DefaultRequestHeaders.Authorization = new("Bearer", Fixture.TokenFor(Roles.Auditor));
        (await auditor.GetStringAsync($"/api/exhibits/{exhibitId}?version=3")).ShouldBe(await auditor.GetStringAsync($"/api/exhibits/{exhibitId}"));
    }

    [Fact]
    public async Task a_case_travelled_in_time_shows_its_exhibits_as_they_stood_then()
    {
        var (caseId, exhibitId) = await ExhibitAtTheLaboratory();
        var caseVersion = (await GetCase(caseId)).Version;

        var beforeTheResult = await GetCase(caseId, Roles.Auditor, $"?asOf={Uri.EscapeDataString("2018-08-15T00:00:00+08:00")}");
        beforeTheResult.Seizures.Single().ExhibitIds.ShouldBe([exhibitId]);
        beforeTheResult.Seizures.Single().ConfirmedTotals.ShouldBeEmpty();

        var atItsVersion = await GetCase(caseId, Roles.Auditor, $"?version={caseVersion}");
        atItsVersion.Seizures.Single().ConfirmedTotals.ShouldBe(new Dictionary<string, decimal> { ["fentanyl"] = 998.2m },
            "a version is a position in the case's own stream; its exhibits are shown as they stand");

        var history = await GetJson<HistoryEntry[]>($"/api/cases/{caseId}/events", Roles.Auditor);
        var beforeLogging = await GetCase(caseId, Roles.Auditor, $"?knownAt={Uri.EscapeDataString(history[^1].RecordedAt.ToString("O"))}");
        beforeLogging.Seizures.Single().ExhibitIds.ShouldBeEmpty("the exhibit was logged after the seizure was recorded");
    }

    [Fact]
    public async Task a_checkpoint_names_every_exhibit_stream_and_catches_one_cut_short()
    {
        var (_, exhibitId) = await ExhibitAtTheLaboratory();
        var checkpoint = await GetJson<JsonObject>("/api/audit/checkpoint", Roles.Auditor);
        var head = checkpoint["streams"]!.AsArray().Single(x => x!["streamId"]!.GetValue<Guid>() == exhibitId)!;
        head["version"]!.GetValue<long>().ShouldBe(3);
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, checkpoint.ToJsonString());

        await Tamper("delete from {0}.mt_events where stream_id = @id and version = 3; update {0}.mt_streams set version = 2 where id = @id", exhibitId);

        var (exitCode, output, errors) = await ApiProcess.Run(ApiProcess.Environment(Fixture), "audit", "verify", "--checkpoint", file);
        exitCode.ShouldNotBe(0, errors);
        output.ShouldContain($"INVALID exhibit {exhibitId} at version 3: it is shorter than the checkpoint");
    }

    [Fact]
    public async Task every_read_of_an_exhibit_and_every_list_that_showed_it_is_found_by_its_id()
    {
        var (caseId, exhibitId) = await ExhibitAtTheLaboratory();
        var seal = (await GetJson<ExhibitDetails>($"/api/exhibits/{exhibitId}", Roles.Analyst)).SealNumber;
        await GetJson<ExhibitDetails>($"/api/exhibits?seal={seal}", Roles.Officer);
        await GetJson<ExhibitDetails[]>($"/api/cases/{caseId}/exhibits", Roles.Auditor);

        var reads = await GetJson<ReadRecordPage>($"/api/audit/reads?exhibitId={exhibitId}", Roles.Auditor);

        reads.Items.Select(x => (x.Role, x.Route)).ShouldBe([
            (Roles.Auditor, "/api/cases/{caseId:guid}/exhibits"),
            (Roles.Officer, "/api/exhibits"),
            (Roles.Analyst, "/api/exhibits/{exhibitId:guid}"),
        ]);
        reads.Items[2].ExhibitId.ShouldBe(exhibitId);
    }
}
