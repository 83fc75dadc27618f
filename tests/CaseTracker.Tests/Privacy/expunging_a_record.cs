using System.Text.Json.Nodes;
using CaseTracker.Api.Audit;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Defendants;
using CaseTracker.Api.Privacy;
using CaseTracker.Api.Storage;
using CaseTracker.Tests.Support;
using Marten;
using Npgsql;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Privacy;

/// <summary>Its own database, so that the dump and <c>audit verify</c> see every table and every chain, and nothing tampered with by other tests.</summary>
public sealed class ExpungementFixture : AppFixture;

[CollectionDefinition(Name)]
public sealed class ExpungementCollection : ICollectionFixture<ExpungementFixture>
{
    public const string Name = "expungement";
}

[Collection(ExpungementCollection.Name)]
public class expunging_a_record(ExpungementFixture fixture) : IntegrationContext(fixture)
{
    private static readonly string[] Everyone = [Roles.Officer, Roles.Analyst, Roles.Auditor, Roles.Admin];

    private sealed record Story(
        Guid Person, string[] Personal, string Other, Guid First, Guid Second, Guid Third, string Key, string Identification, DateTimeOffset KnownBefore);

    /// <summary>
    /// A person (two aliases and a nationality) identified in one case with a key, arrested and
    /// charged there, identified in a second case and retracted there again, named by alias in tips
    /// of that case and of a third; someone else in the first case; and an officer's search by name.
    /// </summary>
    private async Task<Story> RecordAsync()
    {
        var marker = Guid.NewGuid().ToString("N")[..12];
        string[] personal = [$"Liu Zhaohua {marker}", $"Lao Liu {marker}", $"Chemist {marker}", $"Atlantis {marker}"];
        var other = $"Someone Else {Guid.NewGuid():N}"[..30];
        var (first, second, third) = (await OpenCase(), await OpenCase(), await OpenCase());
        var key = $"identify-{Guid.NewGuid():N}";

        var identification = await Post($"/api/cases/{first}/defendants",
            new { name = personal[0], aliases = new[] { personal[1], personal[2] }, nationality = personal[3], occurredAt = Commands.At }, 200,
            more: x => x.WithRequestHeader("Idempotency-Key", key));
        var person = Read<CommandAccepted>(identification).EntryId!.Value;
        await Accepted($"/api/cases/{first}/defendants", new { name = other });
        await Accepted($"/api/cases/{first}/arrests", Commands.Arrest(person));
        await Accepted($"/api/cases/{first}/charges", Commands.Charge(person));
        await Accepted($"/api/cases/{first}/tips", Commands.Tip().With("subjectAlias", personal[1]));
        await Accepted($"/api/cases/{third}/tips", Commands.Tip().With("subjectAlias", personal[2].ToUpperInvariant()));
        await Accepted($"/api/cases/{second}/defendants", new { defendantId = person });
        await Accepted($"/api/cases/{second}/retractions", Commands.Retraction(person));
        await GetJson<DefendantPage>($"/api/defendants?name={Uri.EscapeDataString(personal[0])}", Roles.Officer);

        await ProjectionsCaughtUp();
        var knownBefore = DateTimeOffset.UtcNow;
        return new Story(person, personal, other, first, second, third, key, identification.ReadAsText(), knownBefore);
    }

    [Fact]
    public async Task an_expunged_person_is_gone_from_every_read_every_past_the_history_and_the_whole_database_and_every_chain_verifies()
    {
        var story = await RecordAsync();
        var statsBefore = (await GetJson<JsonObject>("/api/stats", Roles.Auditor)).ToJsonString();
        var versions = (await StreamVersion(story.First), await StreamVersion(story.Second), await StreamVersion(story.Third));
        // Time travel before the order leaves checkpoints of the fold, the person in them: the dump
        // below covers them, and the pasts read after the order start from them.
        foreach (var (caseId, version) in new[] { (story.First, versions.Item1), (story.Second, versions.Item2), (story.Third, versions.Item3) })
        {
            await GetCase(caseId, Roles.Auditor, $"?version={version}");
        }

        await using (var session = Fixture.Store.QuerySession())
        {
            (await session.Query<CaseCheckpoint>().CountAsync(x => x.CaseId == story.First)).ShouldBeGreaterThan(0);
        }

        var order = await Post($"/api/defendants/{story.Person}/expungement", Commands.Expungement(), 200, Roles.Admin);
        Read<OrderRecorded>(order).ShouldBe(new OrderRecorded(story.Person, 1));
        (await StreamVersion(story.First), await StreamVersion(story.Second), await StreamVersion(story.Third))
            .ShouldBe(versions, "an expungement appends only to the person's record");

        foreach (var role in Everyone)
        {
            var details = await GetJson<CaseDetails>($"/api/cases/{story.First}", role);
            ShouldBeExpunged(details.Defendants.Single(x => x.DefendantId == story.Person));
            details.Defendants.Single(x => x.DefendantId == story.Person).Status.ShouldBe("charged", "the facts about the person stay");
            details.Defendants.Single(x => x.DefendantId != story.Person).Name.ShouldBe(story.Other);
            details.Tips.Single().SubjectAlias.ShouldBe(Withheld.Expunged);
            (await GetJson<CaseDetails>($"/api/cases/{story.Third}", role)).Tips.Single().SubjectAlias.ShouldBe(Withheld.Expunged, "a tip naming them anywhere");

            var profile = await GetJson<DefendantProfile>($"/api/defendants/{story.Person}", role);
            profile.Names.ShouldBe([Withheld.Expunged]);
            profile.Aliases.ShouldBe([Withheld.Expunged]);
            profile.Nationality.ShouldBe(Withheld.Expunged);
            (profile.Arrests.Count, profile.Charges.Count, profile.Cases.Count).ShouldBe((1, 1, 1));
            // By names and aliases, as searches go: the read log keeps such a search, not the name.
            foreach (var text in story.Personal[..3])
            {
                (await GetJson<DefendantPage>($"/api/defendants?name={Uri.EscapeDataString(text)}", role)).Items.ShouldBeEmpty();
            }
        }

        await EveryPastShowsItExpunged(story);
        (await GetJson<JsonObject>("/api/stats", Roles.Auditor)).ToJsonString().ShouldBe(statsBefore, "counts do not change");

        var replay = await Post($"/api/cases/{story.First}/defendants",
            new { name = story.Personal[0], aliases = new[] { story.Personal[1], story.Personal[2] }, nationality = story.Personal[3], occurredAt = Commands.At }, 200,
            more: x => x.WithRequestHeader("Idempotency-Key", story.Key));
        replay.ReadAsText().ShouldBe(story.Identification, "a replay answers what the first request answered: ids, no name");
        replay.Context.Response.Headers["Idempotent-Replayed"].ToString().ShouldBe("true");

        foreach (var caseId in new[] { story.First, story.Second, story.Third })
        {
            var report = await GetJson<IntegrityReport>($"/api/cases/{caseId}/integrity", Roles.Auditor);
            report.Valid.ShouldBeTrue($"{caseId}: {report.Reason}");
        }

        // Every stream of the database, the person's record of orders among them.
        var (exitCode, output, errors) = await ApiProcess.Run(ApiProcess.Environment(Fixture), "audit", "verify");
        exitCode.ShouldBe(0, output + errors);
        output.ShouldContain(", 0 invalid");
        output.ShouldNotContain("INVALID", Shouldly.Case.Sensitive);

        await ProjectionsCaughtUp();
        var dump = await PostgresServer.DumpAsync(Fixture.ConnectionString);
        dump.ShouldContain(story.Other, customMessage: "other people's records are intact");
        dump.ShouldContain(Withheld.Expunged);
        foreach (var text in story.Personal.Append(story.Personal[0].Split(' ')[^1]))
        {
            dump.ShouldNotContain(text, Shouldly.Case.Insensitive, "nothing in the database names the expunged person");
            dump.ShouldNotContain(Uri.EscapeDataString(text), Shouldly.Case.Insensitive);
        }
    }

    [Fact]
    public async Task an_expungement_is_final_and_refused_again_with_nothing_recorded()
    {
        var story = await RecordAsync();
        await Post($"/api/defendants/{story.Person}/expungement", Commands.Expungement(), 200, Roles.Admin);

        (await Refused($"/api/defendants/{story.Person}/expungement", Commands.Expungement("EX-2024-0043"), 409, story.Person, Roles.Admin))["detail"]!
            .GetValue<string>().ShouldContain("expunged");
        await Refused($"/api/defendants/{story.Person}/sealing/lifting", Commands.Lifting(), 409, story.Person, Roles.Admin);
        await Refused($"/api/defendants/{story.Person}/sealing", Commands.Sealing(), 409, story.Person, Roles.Admin);
        await Refused($"/api/cases/{story.Third}/defendants", new { defendantId = story.Person }, 404, story.Third);

        // A later tip may name the alias again: that is a new record, under a new key.
        var later = $"{story.Personal[1]}";
        await Accepted($"/api/cases/{story.Third}/tips", Commands.Tip().With("subjectAlias", later));
        (await GetJson<CaseDetails>($"/api/cases/{story.Third}", Roles.Officer)).Tips.Select(x => x.SubjectAlias).ShouldBe([Withheld.Expunged, later]);
        var history = await GetJson<HistoryEntry[]>($"/api/cases/{story.Third}/events", Roles.Auditor);
        history.Select(x => x.Data?["subjectAlias"]?.GetValue<string>()).Skip(1).ShouldBe([Withheld.Expunged, later]);
    }

    [Fact]
    public async Task a_rebuild_after_an_expungement_gives_the_documents_the_order_left()
    {
        var story = await RecordAsync();
        await Post($"/api/defendants/{story.Person}/expungement", Commands.Expungement(), 200, Roles.Admin);
        await ProjectionsCaughtUp();
        var live = await Documents();

        await Execute($"delete from {StoreConfiguration.Schema}.mt_doc_defendantprofile; delete from {StoreConfiguration.Schema}.mt_doc_defendantnames; " +
                      $"delete from {StoreConfiguration.Schema}.mt_doc_casedetailsentry; " +
                      $"delete from {StoreConfiguration.Schema}.mt_doc_subjectorder; delete from {StoreConfiguration.Schema}.mt_doc_personrecord;");
        using var daemon = await Fixture.Store.BuildProjectionDaemonAsync();
        foreach (var projection in new[] { typeof(CaseDetailsEntriesProjection), typeof(DefendantProfileProjection), typeof(DefendantNamesProjection), typeof(SubjectOrdersProjection), typeof(PersonRecordProjection) })
        {
            await daemon.RebuildProjectionAsync(projection, TimeSpan.FromMinutes(3), CancellationToken.None);
        }

        var rebuilt = await Documents();
        foreach (var (table, rows) in live) rebuilt[table].ShouldBe(rows, $"{table} as the expungement left it");
        ShouldBeExpunged((await GetJson<CaseDetails>($"/api/cases/{story.First}", Roles.Auditor)).Defendants.Single(x => x.DefendantId == story.Person));
    }

    private async Task EveryPastShowsItExpunged(Story story)
    {
        var knownBefore = Uri.EscapeDataString(story.KnownBefore.ToString("O"));
        foreach (var query in new[] { "?version=2", $"?knownAt={knownBefore}", "?asOf=2018-08-01T06:00:00%2B08:00" })
        {
            ShouldBeExpunged((await GetJson<CaseDetails>($"/api/cases/{story.First}{query}", Roles.Auditor)).Defendants.Single(x => x.DefendantId == story.Person));
        }

        ShouldBeExpunged((await GetJson<CaseDetails>($"/api/cases/{story.Second}?version=2", Roles.Auditor)).Defendants.Single(),
            "a retracted identification, seen as it stood");
        var past = await GetJson<DefendantProfile>($"/api/defendants/{story.Person}?knownAt={knownBefore}", Roles.Auditor);
        past.Names.ShouldBe([Withheld.Expunged]);
        past.Cases.Count.ShouldBe(1);

        foreach (var caseId in new[] { story.First, story.Second, story.Third })
        {
            var history = (await GetJson<HistoryEntry[]>($"/api/cases/{caseId}/events", Roles.Auditor)).Select(x => x.Data!.ToJsonString()).ToList();
            foreach (var text in story.Personal) string.Join('\n', history).ShouldNotContain(text);
        }

        var identified = (await GetJson<HistoryEntry[]>($"/api/cases/{story.First}/events", Roles.Auditor))[1].Data!;
        identified["name"]!.GetValue<string>().ShouldBe(Withheld.Expunged);
        identified["aliases"]!.AsArray().Select(x => x!.GetValue<string>()).ShouldBe([Withheld.Expunged]);
        identified["nationality"]!.GetValue<string>().ShouldBe(Withheld.Expunged);
    }

    private static void ShouldBeExpunged(CaseDefendant defendant, string? why = null)
    {
        (defendant.Name, defendant.Nationality).ShouldBe((Withheld.Expunged, Withheld.Expunged), why);
        defendant.Aliases.ShouldBe([Withheld.Expunged], why);
    }

    private static readonly string[] Tables = ["mt_doc_casedetailsentry", "mt_doc_defendantprofile", "mt_doc_defendantnames", "mt_doc_subjectorder", "mt_doc_personrecord"];

    private Task<Dictionary<string, List<string>>> Documents() => AsyncProjections.DocumentsByTable(Fixture.ConnectionString, Tables);

    private async Task Execute(string sql)
    {
        await using var connection = new NpgsqlConnection(Fixture.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
