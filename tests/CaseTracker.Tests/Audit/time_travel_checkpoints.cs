using Alba;
using CaseTracker.Api.Audit;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Privacy;
using CaseTracker.Api.Storage;
using CaseTracker.Tests.Support;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Audit;

/// <summary>
/// Time travel from checkpoints of the case fold. The test host keeps one every
/// <see cref="AppFixture.CheckpointEvery"/> events, so every time-travel test of the suite reads
/// through them; these tests hold them to the fold from the first event.
/// </summary>
public class time_travel_checkpoints(AppFixture fixture) : IntegrationContext(fixture)
{
    [Fact]
    public async Task every_point_of_a_case_reads_the_same_from_a_checkpoint_as_from_the_first_event()
    {
        var marker = Guid.NewGuid().ToString("N")[..12];
        var caseId = await OpenCase();
        // Restricting and lifting are for the lead agency's officers; the case's commands all come from one.
        var lead = Fixture.TokenFor(Roles.Officer, "lead-officer", "Xingtai PSB");
        Task<CommandAccepted> Lead(string url, object body) => Accepted(url, body, x => x.WithBearerToken(lead));
        var liu = (await Lead($"/api/cases/{caseId}/defendants",
            new { name = $"Liu {marker}", aliases = new[] { $"Lao Liu {marker}" }, nationality = "CN", occurredAt = Commands.At })).EntryId!.Value;
        var wang = (await Lead($"/api/cases/{caseId}/defendants", new { name = $"Wang {marker}" })).EntryId!.Value;
        await Lead($"/api/cases/{caseId}/tips", Commands.Tip().With("subjectAlias", $"Diana {marker}"));
        var arrest = (await Lead($"/api/cases/{caseId}/arrests", Commands.Arrest(liu))).EntryId!.Value;
        var charge = (await Lead($"/api/cases/{caseId}/charges", Commands.Charge(liu))).EntryId!.Value;
        await Lead($"/api/cases/{caseId}/restriction", new { reason = "an informant is named" });
        // Back-dated, so that an asOf bound leaves out an event in between.
        await Lead($"/api/cases/{caseId}/seizures", Commands.Seizure(2, "kg").With("seizedAt", "2018-06-01T06:00:00+08:00"));
        await Lead($"/api/cases/{caseId}/verdicts", Commands.Verdict(liu, charge));
        var sentence = (await Lead($"/api/cases/{caseId}/sentences", Commands.Sentence(liu))).EntryId!.Value;
        await Lead($"/api/cases/{caseId}/restriction/lifting", new { reason = "the informant is safe" });
        await Lead($"/api/cases/{caseId}/sentences/{sentence}/commutations", Commands.Commutation());
        await Lead($"/api/cases/{caseId}/retractions", Commands.Retraction(arrest));
        await Lead($"/api/cases/{caseId}/retractions", Commands.Retraction(wang));
        await Lead($"/api/cases/{caseId}/tips", Commands.Tip());
        var length = await StreamVersion(caseId);
        length.ShouldBe(15);

        var history = await GetJson<HistoryEntry[]>($"/api/cases/{caseId}/events", Roles.Auditor);
        var bounds = Enumerable.Range(1, (int)length).Select(v => $"?version={v}")
            .Concat(history.Select(x => $"?knownAt={Uri.EscapeDataString(x.RecordedAt.ToString("O"))}"))
            .Concat(history.Select(x => $"?asOf={Uri.EscapeDataString(x.OccurredAt!.Value.ToString("O"))}"))
            .ToList();
        foreach (var bound in bounds)
        {
            await DeleteCheckpoints(caseId);
            var fromTheStart = await Raw(caseId, bound);
            var fromACheckpoint = await Raw(caseId, bound);
            fromACheckpoint.ShouldBe(fromTheStart, bound);
        }

        await DeleteCheckpoints(caseId);
        var throughTheEnd = await Raw(caseId, "?version=15");
        (await CheckpointVersions(caseId)).ShouldBe([3, 6, 9, 12, 15], "a read leaves a checkpoint every three events it folds past");
        throughTheEnd.ShouldBe(await Raw(caseId, ""), "the fold through the last event is the case as it stands");
    }

    [Fact]
    public async Task a_checkpoint_is_read_only_by_the_fold_that_made_it()
    {
        var caseId = await OpenCase();
        for (var i = 0; i < 6; i++) await Accepted($"/api/cases/{caseId}/tips", Commands.Tip());
        var truth = await GetCase(caseId, Roles.Auditor, "?version=7");
        (await CheckpointVersions(caseId)).ShouldBe([3, 6]);

        // A checkpoint of this fold is trusted: one doctored in the database shows through, which is
        // how the next read is known to start from it and not from the first event.
        await Sql($"update {Table} set data = jsonb_set(data, '{{details,title}}', '\"doctored\"') where data ->> 'caseId' = @id", caseId);
        var history = await GetJson<HistoryEntry[]>($"/api/cases/{caseId}/events", Roles.Auditor);
        foreach (var bound in new[]
                 {
                     "?version=7", $"?knownAt={Uri.EscapeDataString(history[^1].RecordedAt.ToString("O"))}",
                     $"?asOf={Uri.EscapeDataString(history.Max(x => x.OccurredAt)!.Value.ToString("O"))}",
                 })
        {
            (await GetCase(caseId, Roles.Auditor, bound)).Title.ShouldBe("doctored", bound);
        }

        // The same checkpoint as a fold of other code would have left it: never read, and replaced.
        await using (var session = Fixture.Store.LightweightSession())
        {
            var doctored = await session.Query<CaseCheckpoint>().Where(x => x.CaseId == caseId && x.Version == 6).SingleAsync();
            session.DeleteWhere<CaseCheckpoint>(x => x.CaseId == caseId);
            doctored.Code = new string('0', 64);
            doctored.Id = CaseCheckpoint.IdFor(caseId, doctored.Code, doctored.Version);
            session.Store(doctored);
            await session.SaveChangesAsync();
        }

        CaseCheckpoints.Code.ShouldNotBe(new string('0', 64));
        var read = await GetCase(caseId, Roles.Auditor, "?version=7");
        read.Title.ShouldBe(truth.Title);
        read.Tips.Count.ShouldBe(truth.Tips.Count);
        (await CheckpointVersions(caseId)).ShouldBe([3, 6], "the fold left its own checkpoints again");
        await using (var session = Fixture.Store.QuerySession())
        {
            (await session.Query<CaseCheckpoint>().Where(x => x.CaseId == caseId).Select(x => x.Code).ToListAsync())
                .ShouldAllBe(x => x == CaseCheckpoints.Code, "a checkpoint of another fold is deleted when the case gets new ones");
        }
    }

    [Fact]
    public async Task an_expungement_deletes_the_checkpoints_naming_the_person_or_their_alias_and_no_others()
    {
        var marker = Guid.NewGuid().ToString("N")[..12];
        var (named, aliased, other) = (await OpenCase(), await OpenCase(), await OpenCase());
        var zhou = (await Accepted($"/api/cases/{named}/defendants",
            new { name = $"Zhou {marker}", aliases = new[] { $"Big Zhou {marker}" }, nationality = $"Land {marker}" })).EntryId!.Value;
        await Accepted($"/api/cases/{named}/tips", Commands.Tip());
        await Accepted($"/api/cases/{aliased}/tips", Commands.Tip().With("subjectAlias", $"Big Zhou {marker}"));
        await Accepted($"/api/cases/{aliased}/tips", Commands.Tip());
        await Accepted($"/api/cases/{other}/defendants", new { name = $"Someone Else {marker}" });
        await Accepted($"/api/cases/{other}/tips", Commands.Tip().With("subjectAlias", $"Diana {marker}"));
        foreach (var caseId in new[] { named, aliased, other }) await GetCase(caseId, Roles.Auditor, "?version=3");
        (await GetCase(named, Roles.Auditor, "?version=3")).Defendants.Single().Name.ShouldBe($"Zhou {marker}", "read from its checkpoint");
        foreach (var caseId in new[] { named, aliased, other }) (await CheckpointVersions(caseId)).ShouldBe([3]);

        await Post($"/api/defendants/{zhou}/expungement", Commands.Expungement(), 200, Roles.Admin);

        (await CheckpointVersions(named)).ShouldBeEmpty("the person is named in it");
        (await CheckpointVersions(aliased)).ShouldBeEmpty("a tip names one of the person's aliases");
        (await CheckpointVersions(other)).ShouldBe([3], "it names nobody the order is about");
        var past = await GetCase(named, Roles.Auditor, "?version=3");
        (past.Defendants.Single().Name, past.Defendants.Single().Nationality).ShouldBe((Withheld.Expunged, Withheld.Expunged));
        (await GetCase(aliased, Roles.Auditor, "?version=3")).Tips.First().SubjectAlias.ShouldBe(Withheld.Expunged);
        (await CheckpointVersions(named)).ShouldBe([3], "a checkpoint of the fold after the order holds what the events now give");
        (await GetCase(named, Roles.Auditor, "?version=3")).Defendants.Single().Aliases.ShouldBe([Withheld.Expunged], "read from the new checkpoint");
    }

    [Fact]
    public async Task the_checkpoint_interval_is_the_configured_one()
    {
        Fixture.Host.Services.GetRequiredService<CaseCheckpoints>().Every.ShouldBe(AppFixture.CheckpointEvery);
        CaseCheckpoints.DefaultEvery.ShouldBe(500);
    }

    private static string Table => $"{StoreConfiguration.Schema}.mt_doc_casecheckpoint";

    private async Task<string> Raw(Guid caseId, string query)
    {
        var result = await Host.Scenario(x =>
        {
            x.Get.Url($"/api/cases/{caseId}{query}");
            x.WithBearerToken(Fixture.TokenFor(Roles.Auditor));
            x.StatusCodeShouldBe(200);
        });
        return result.ReadAsText();
    }

    private async Task<long[]> CheckpointVersions(Guid caseId)
    {
        await using var session = Fixture.Store.QuerySession();
        return [.. (await session.Query<CaseCheckpoint>().Where(x => x.CaseId == caseId).Select(x => x.Version).ToListAsync()).Order()];
    }

    private Task DeleteCheckpoints(Guid caseId) => Sql($"delete from {Table} where data ->> 'caseId' = @id", caseId);

    private async Task Sql(string sql, Guid caseId)
    {
        await using var connection = new NpgsqlConnection(Fixture.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("id", caseId.ToString());
        await command.ExecuteNonQueryAsync();
    }
}
