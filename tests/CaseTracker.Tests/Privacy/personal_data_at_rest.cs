using System.Text.Json.Nodes;
using CaseTracker.Api.Audit;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Defendants;
using CaseTracker.Api.Storage;
using CaseTracker.Tests.Support;
using Npgsql;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Privacy;

/// <summary>Personal fields are stored only as ciphertext, and read back as text wherever a reader may see them.</summary>
public class personal_data_at_rest(AppFixture fixture) : IntegrationContext(fixture)
{
    [Fact]
    public async Task names_aliases_nationality_and_tip_aliases_are_stored_encrypted_and_read_as_text()
    {
        var marker = Guid.NewGuid().ToString("N")[..12];
        var (name, alias, nationality, tipAlias) = ($"Zhou Hong {marker}", $"Hong Jie {marker}", $"Secretland {marker}", $"Big Zhou {marker}");
        var caseId = await OpenCase();
        var person = (await Accepted($"/api/cases/{caseId}/defendants", new { name, aliases = new[] { alias }, nationality })).EntryId!.Value;
        await Accepted($"/api/cases/{caseId}/tips", Commands.Tip().With("subjectAlias", tipAlias));

        var stored = await StoredData(caseId);
        string.Join('\n', stored).ShouldNotContain(marker, Case.Insensitive, "no personal field is stored in the clear in an event");
        var identified = JsonNode.Parse(stored[1])!;
        identified["defendantId"]!.GetValue<Guid>().ShouldBe(person);
        identified["name"]!["subject"]!.GetValue<Guid>().ShouldBe(person, "a person's fields are encrypted under the person's own key");
        identified["aliases"]![0]!["cipher"]!.GetValue<string>().ShouldNotBeNullOrEmpty();
        identified["nationality"]!["subject"]!.GetValue<Guid>().ShouldBe(person);
        JsonNode.Parse(stored[2])!["subjectAlias"]!["cipher"]!.GetValue<string>().ShouldNotBeNullOrEmpty();

        var details = await GetCase(caseId);
        var defendant = details.Defendants.Single();
        (defendant.Name, defendant.Nationality).ShouldBe((name, nationality));
        defendant.Aliases.ShouldBe([alias]);
        details.Tips.Single().SubjectAlias.ShouldBe(tipAlias);

        var history = await GetJson<HistoryEntry[]>($"/api/cases/{caseId}/events", Roles.Auditor);
        history[1].Data!["name"]!.GetValue<string>().ShouldBe(name, "the history shows what the event says");
        history[1].Data!["aliases"]!.AsArray().Select(x => x!.GetValue<string>()).ShouldBe([alias]);
        history[1].Data!["nationality"]!.GetValue<string>().ShouldBe(nationality);
        history[2].Data!["subjectAlias"]!.GetValue<string>().ShouldBe(tipAlias);

        var past = await GetCase(caseId, Roles.Auditor, "?version=2");
        past.Defendants.Single().Name.ShouldBe(name);
        past.Tips.ShouldBeEmpty();

        await ProjectionsCaughtUp();
        var profile = await GetJson<DefendantProfile>($"/api/defendants/{person}");
        profile.Names.ShouldBe([name]);
        profile.Nationality.ShouldBe(nationality);
        (await GetJson<DefendantProfile>($"/api/defendants/{person}?knownAt={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(5).ToString("O"))}", Roles.Auditor))
            .Aliases.ShouldBe([alias], "time travel reveals the events it folds");
        (await GetJson<DefendantPage>($"/api/defendants?name={Uri.EscapeDataString(alias)}")).Items.Single().DefendantId.ShouldBe(person);

        (await GetJson<IntegrityReport>($"/api/cases/{caseId}/integrity", Roles.Auditor)).Valid.ShouldBeTrue("the chain covers the ciphertext as stored");
    }

    [Fact]
    public async Task one_person_has_one_key_across_cases_and_tips_naming_one_alias_share_the_key_of_that_alias()
    {
        var marker = Guid.NewGuid().ToString("N")[..12];
        var first = await OpenCase();
        var second = await OpenCase();
        var person = (await Accepted($"/api/cases/{first}/defendants", new { name = $"Ma {marker}" })).EntryId!.Value;
        await Accepted($"/api/cases/{second}/defendants", new { defendantId = person });
        await Accepted($"/api/cases/{first}/tips", Commands.Tip().With("subjectAlias", $"Diana {marker}"));
        await Accepted($"/api/cases/{second}/tips", Commands.Tip().With("subjectAlias", $"  DIANA   {marker.ToUpperInvariant()} "));
        await Accepted($"/api/cases/{second}/tips", Commands.Tip().With("subjectAlias", $"Someone else {marker}"));

        Guid Subject(string data, string field) => JsonNode.Parse(data)![field]!["subject"]!.GetValue<Guid>();
        var inFirst = await StoredData(first);
        var inSecond = await StoredData(second);

        Subject(inSecond[1], "name").ShouldBe(Subject(inFirst[1], "name"));
        Subject(inFirst[2], "subjectAlias").ShouldBe(Subject(inSecond[2], "subjectAlias"), "one alias, written two ways, is one subject");
        Subject(inSecond[3], "subjectAlias").ShouldNotBe(Subject(inFirst[2], "subjectAlias"));
        Subject(inFirst[2], "subjectAlias").ShouldNotBe(person);
        JsonNode.Parse(inFirst[2])!["subjectAlias"]!["cipher"]!.GetValue<string>()
            .ShouldNotBe(JsonNode.Parse(inSecond[2])!["subjectAlias"]!["cipher"]!.GetValue<string>(), "each encryption takes a nonce of its own");
    }

    /// <summary>Each event's data as PostgreSQL holds it, by version.</summary>
    private async Task<string[]> StoredData(Guid streamId)
    {
        await using var connection = new NpgsqlConnection(Fixture.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"select data::text from {StoreConfiguration.Schema}.mt_events where stream_id = @id order by version", connection);
        command.Parameters.AddWithValue("id", streamId);
        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) rows.Add(reader.GetString(0));
        return [.. rows];
    }
}
