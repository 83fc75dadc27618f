using System.Text.Json.Nodes;
using CaseTracker.Api.Audit;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Defendants;
using CaseTracker.Api.Privacy;
using CaseTracker.Api.Storage;
using CaseTracker.Tests.Support;
using Npgsql;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Privacy;

public class sealing_a_record(AppFixture fixture) : IntegrationContext(fixture)
{
    private const string Agency = "Sealing Test Agency";

    private sealed record Person(Guid Id, string Name, string Alias, string Nationality, string TipAlias);

    /// <summary>A person in two cases, with a tip naming one of their aliases; and someone else in the first case.</summary>
    private async Task<(Person Sealed, Guid First, Guid Second, string Other)> TwoCasesAsync()
    {
        var marker = Guid.NewGuid().ToString("N")[..12];
        var person = new Person(Guid.Empty, $"Gao Yan {marker}", $"Little Gao {marker}", $"Sealand {marker}", $"little  GAO {marker}");
        var first = await OpenCase();
        var second = await OpenCase();
        var id = (await Accepted($"/api/cases/{first}/defendants", new { name = person.Name, aliases = new[] { person.Alias }, nationality = person.Nationality })).EntryId!.Value;
        await Accepted($"/api/cases/{second}/defendants", new { defendantId = id });
        await Accepted($"/api/cases/{first}/arrests", Commands.Arrest(id));
        await Accepted($"/api/cases/{first}/tips", Commands.Tip().With("subjectAlias", person.TipAlias));
        var other = $"Someone Else {marker}";
        await Accepted($"/api/cases/{first}/defendants", new { name = other });
        await ProjectionsCaughtUp();
        return (person with { Id = id }, first, second, other);
    }

    private async Task<OrderRecorded> Order(Guid person, string order, object body) =>
        Read<OrderRecorded>(await Post($"/api/defendants/{person}/{order}", body, 200, Roles.Admin));

    [Fact]
    public async Task officers_and_analysts_no_longer_find_a_sealed_person_anywhere_and_counts_do_not_change()
    {
        var (person, first, second, other) = await TwoCasesAsync();
        var statsBefore = await GetJson<JsonObject>("/api/stats", Roles.Analyst, agency: Agency);

        var answer = await Order(person.Id, "sealing", Commands.Sealing());
        answer.ShouldBe(new OrderRecorded(person.Id, 1));

        foreach (var role in new[] { Roles.Officer, Roles.Analyst })
        {
            var unknown = Guid.NewGuid();
            var hidden = await Problem($"/api/defendants/{person.Id}", role);
            var none = await Problem($"/api/defendants/{unknown}", role);
            (hidden["status"]!.GetValue<int>(), hidden["title"]!.GetValue<string>()).ShouldBe((none["status"]!.GetValue<int>(), none["title"]!.GetValue<string>()));
            hidden["detail"]!.GetValue<string>().Replace(person.Id.ToString(), "ID").ShouldBe(none["detail"]!.GetValue<string>().Replace(unknown.ToString(), "ID"),
                "a sealed person answers exactly like an unknown one");

            (await GetJson<DefendantPage>($"/api/defendants?name={Uri.EscapeDataString(person.Name)}", role, agency: Agency)).Items.ShouldBeEmpty();
            (await GetJson<DefendantPage>($"/api/defendants?name={Uri.EscapeDataString(person.Alias)}", role, agency: Agency)).Items.ShouldBeEmpty();
            (await GetJson<DefendantPage>($"/api/defendants?name={Uri.EscapeDataString(other)}", role, agency: Agency)).Items.ShouldHaveSingleItem();

            var details = await GetJson<CaseDetails>($"/api/cases/{first}", role, agency: Agency);
            var withheld = details.Defendants.Single(x => x.DefendantId == person.Id);
            (withheld.Name, withheld.Nationality, withheld.Status).ShouldBe((Withheld.Sealed, Withheld.Sealed, "arrested"));
            withheld.Aliases.ShouldBe([Withheld.Sealed]);
            details.Tips.Single().SubjectAlias.ShouldBe(Withheld.Sealed, "a tip naming the person by an alias is sealed with them");
            details.Defendants.Single(x => x.DefendantId != person.Id).Name.ShouldBe(other);
            (await GetJson<CaseDetails>($"/api/cases/{second}", role, agency: Agency)).Defendants.Single().Name.ShouldBe(Withheld.Sealed);

            (await GetJson<JsonObject>("/api/stats", role, agency: Agency)).ToJsonString().ShouldBe(statsBefore.ToJsonString(), "counts do not change");
        }

        var third = await OpenCase();
        await Refused($"/api/cases/{third}/defendants", new { defendantId = person.Id }, 404, third);
    }

    [Fact]
    public async Task auditors_and_admins_still_see_a_sealed_person_and_each_such_read_is_in_the_read_log()
    {
        var (person, first, _, _) = await TwoCasesAsync();
        await Order(person.Id, "sealing", Commands.Sealing());

        foreach (var role in new[] { Roles.Auditor, Roles.Admin })
        {
            var details = await GetJson<CaseDetails>($"/api/cases/{first}", role, agency: Agency);
            details.Defendants.Single(x => x.DefendantId == person.Id).Name.ShouldBe(person.Name);
            details.Tips.Single().SubjectAlias.ShouldBe(person.TipAlias);
            (await GetJson<CaseDetails>($"/api/cases/{first}?version=2", role, agency: Agency)).Defendants.Single().Aliases.ShouldBe([person.Alias]);
            (await GetJson<DefendantProfile>($"/api/defendants/{person.Id}", role, agency: Agency)).Names.ShouldBe([person.Name]);
            (await GetJson<DefendantPage>($"/api/defendants?name={Uri.EscapeDataString(person.Name)}", role, agency: Agency)).Items.Single().DefendantId.ShouldBe(person.Id);
            (await GetJson<HistoryEntry[]>($"/api/cases/{first}/events", role, agency: Agency))[1].Data!["name"]!.GetValue<string>().ShouldBe(person.Name);
        }

        await GetJson<CaseDetails>($"/api/cases/{first}", Roles.Officer, agency: Agency);
        var reads = (await GetJson<ReadRecordPage>($"/api/audit/reads?defendantId={person.Id}&pageSize=200", Roles.Auditor)).Items;
        foreach (var role in new[] { Roles.Auditor, Roles.Admin })
        {
            var theirs = reads.Where(x => x.User == $"{role}-of-{Agency}").ToList();
            theirs.Select(x => x.Route).Distinct().Order().ShouldBe(
                ["/api/cases/{caseId:guid}", "/api/cases/{caseId:guid}/events", "/api/defendants", "/api/defendants/{defendantId:guid}"],
                ignoreOrder: false, $"every read that showed the {role} the sealed person is on record");
            theirs.ShouldAllBe(x => x.Sealed!.Contains(person.Id));
        }

        reads.ShouldNotContain(x => x.User == $"{Roles.Officer}-of-{Agency}", "an officer's read showed nothing sealed");
    }

    [Fact]
    public async Task lifting_the_seal_shows_the_person_to_everyone_again()
    {
        var (person, first, _, _) = await TwoCasesAsync();
        await Order(person.Id, "sealing", Commands.Sealing());
        (await GetJson<CaseDetails>($"/api/cases/{first}", Roles.Officer)).Defendants.First().Name.ShouldBe(Withheld.Sealed);

        (await Order(person.Id, "sealing/lifting", Commands.Lifting())).Version.ShouldBe(2);

        var details = await GetJson<CaseDetails>($"/api/cases/{first}", Roles.Officer);
        details.Defendants.First().Name.ShouldBe(person.Name);
        details.Tips.Single().SubjectAlias.ShouldBe(person.TipAlias);
        (await GetJson<DefendantProfile>($"/api/defendants/{person.Id}", Roles.Analyst)).Aliases.ShouldBe([person.Alias]);
        (await GetJson<DefendantPage>($"/api/defendants?name={Uri.EscapeDataString(person.Alias)}", Roles.Officer)).Items.Single().DefendantId.ShouldBe(person.Id);

        (await Order(person.Id, "sealing", Commands.Sealing("SC-2025-0003"))).Version.ShouldBe(3, "a record may be sealed again");
    }

    [Fact]
    public async Task a_copy_held_from_before_the_seal_is_not_confirmed_with_304()
    {
        var (person, first, _, _) = await TwoCasesAsync();
        var version = await StreamVersion(first);
        await Order(person.Id, "sealing", Commands.Sealing());

        var result = await Host.Scenario(x =>
        {
            x.Get.Url($"/api/cases/{first}");
            x.WithBearerToken(Fixture.TokenFor(Roles.Officer));
            x.WithRequestHeader("If-None-Match", ExpectedVersionTag(version));
            x.StatusCodeShouldBe(200);
        });
        Read<CaseDetails>(result).Defendants.First().Name.ShouldBe(Withheld.Sealed);
    }

    [Fact]
    public async Task orders_are_for_admins_valid_and_in_order_and_every_refusal_records_nothing()
    {
        var (person, _, _, _) = await TwoCasesAsync();
        var sealing = $"/api/defendants/{person.Id}/sealing";

        foreach (var role in new[] { Roles.Officer, Roles.Analyst, Roles.Auditor })
        {
            await Refused(sealing, Commands.Sealing(), 403, person.Id, role);
            await Refused($"{sealing}/lifting", Commands.Lifting(), 403, person.Id, role);
            await Refused($"/api/defendants/{person.Id}/expungement", Commands.Expungement(), 403, person.Id, role);
        }

        var invalid = await Refused(sealing, Commands.Sealing().Without("orderRef").With("sealedAt", "2999-01-01T00:00:00+00:00").With("court", " "), 400, person.Id, Roles.Admin);
        ErrorFields(invalid).Order().ShouldBe(["court", "orderRef", "sealedAt"]);
        await Refused(sealing, Commands.Sealing().With("sealedAt", "2024-03-01T09:00:00"), 400, person.Id, Roles.Admin);
        ErrorFields(await Refused($"/api/defendants/{person.Id}/expungement", Commands.Expungement().Without("expungedAt"), 400, person.Id, Roles.Admin))
            .ShouldBe(["expungedAt"]);

        var nobody = Guid.NewGuid();
        await Refused($"/api/defendants/{nobody}/sealing", Commands.Sealing(), 404, nobody, Roles.Admin);
        await Refused($"{sealing}/lifting", Commands.Lifting(), 409, person.Id, Roles.Admin);

        await Refused(sealing, Commands.Sealing(), 412, person.Id, Roles.Admin, x => x.WithRequestHeader("If-Match", "\"3\""));
        await Post(sealing, Commands.Sealing(), 200, Roles.Admin, x => x.WithRequestHeader("If-Match", "\"0\""));
        (await Refused(sealing, Commands.Sealing(), 409, person.Id, Roles.Admin))["detail"]!.GetValue<string>().ShouldContain("already sealed");

        var lifted = await Post($"{sealing}/lifting", Commands.Lifting(), 200, Roles.Admin, x => x.WithRequestHeader("Idempotency-Key", "lift-once"));
        var replayed = await Post($"{sealing}/lifting", Commands.Lifting(), 200, Roles.Admin, x => x.WithRequestHeader("Idempotency-Key", "lift-once"));
        replayed.ReadAsText().ShouldBe(lifted.ReadAsText());
        replayed.Context.Response.Headers["Idempotent-Replayed"].ToString().ShouldBe("true");
        (await StreamVersion(person.Id)).ShouldBe(2);
    }

    [Fact]
    public async Task a_person_recorded_in_the_clear_before_encryption_is_sealed_but_not_falsely_expunged()
    {
        var caseId = await OpenCase();
        var marker = Guid.NewGuid().ToString("N")[..12];
        var person = Guid.CreateVersion7();
        await AppendAsStoredBeforeEncryption(caseId, "defendant_identified", nameof(DefendantIdentified), new JsonObject
        {
            ["defendantId"] = person, ["name"] = $"Old Record {marker}", ["aliases"] = new JsonArray(), ["nationality"] = null, ["role"] = null,
            ["identifiedAt"] = "2018-07-01T00:00:00+08:00",
        });
        await using (var session = Fixture.Store.LightweightSession())
        {
            session.Store(new CaseEntry { Id = CaseEntry.IdFor(caseId, person), CaseId = caseId, EntryId = person, Kind = EntryKind.Defendant, Version = 2 });
            await session.SaveChangesAsync();
        }

        (await GetJson<HistoryEntry[]>($"/api/cases/{caseId}/events", Roles.Auditor))[1].Data!["name"]!.GetValue<string>().ShouldBe($"Old Record {marker}");
        var refusal = await Refused($"/api/defendants/{person}/expungement", Commands.Expungement(), 409, person, Roles.Admin);
        refusal["detail"]!.GetValue<string>().ShouldContain("before personal fields were encrypted");

        await Order(person, "sealing", Commands.Sealing());
        (await GetJson<CaseDetails>($"/api/cases/{caseId}?version=2", Roles.Auditor)).Defendants.Single().Name.ShouldBe($"Old Record {marker}");
    }

    [Fact]
    public async Task a_person_named_in_the_clear_by_a_tip_stored_before_encryption_is_not_falsely_expunged()
    {
        var marker = Guid.NewGuid().ToString("N")[..12];
        var person = await IdentifyDefendant(await OpenCase(), $"Recent Record {marker}");
        await AppendAsStoredBeforeEncryption(await OpenCase(), "tip_received", nameof(TipReceived), new JsonObject
        {
            ["tipId"] = Guid.NewGuid(), ["fromAgency"] = "Interpol", ["receivedAt"] = "2017-05-20T10:00:00-04:00", ["summary"] = "Old tip",
            ["subjectAlias"] = $"RECENT record {marker}", ["channel"] = null,
        });

        (await Refused($"/api/defendants/{person}/expungement", Commands.Expungement(), 409, person, Roles.Admin))["detail"]!
            .GetValue<string>().ShouldContain("before personal fields were encrypted");
    }

    /// <summary>
    /// What a database written by a version before encryption holds: an event with personal
    /// fields as plain text, as version 2 of a case (inserted below the API, as no command can
    /// store one any more; the case's chain is broken by it, which this test does not ask about).
    /// </summary>
    private async Task AppendAsStoredBeforeEncryption(Guid caseId, string type, string dotNetType, JsonObject data)
    {
        await using var connection = new NpgsqlConnection(Fixture.ConnectionString);
        await connection.OpenAsync();
        var schema = StoreConfiguration.Schema;
        await using var command = new NpgsqlCommand(
            $"""
             insert into {schema}.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type)
             values (nextval('{schema}.mt_events_sequence'), @event, @case, 2, @data::jsonb, @type, now(), '*DEFAULT*', @dotnet);
             update {schema}.mt_streams set version = 2 where id = @case;
             """, connection);
        command.Parameters.AddWithValue("event", Guid.NewGuid());
        command.Parameters.AddWithValue("case", caseId);
        command.Parameters.AddWithValue("type", type);
        command.Parameters.AddWithValue("dotnet", $"CaseTracker.Api.Cases.{dotNetType}, CaseTracker.Api");
        command.Parameters.AddWithValue("data", data.ToJsonString());
        await command.ExecuteNonQueryAsync();
    }

    private static string ExpectedVersionTag(long version) => $"\"{version}\"";

    private async Task<JsonObject> Problem(string url, string role)
    {
        var result = await Host.Scenario(x =>
        {
            x.Get.Url(url);
            x.WithBearerToken(Fixture.TokenFor(role));
            x.StatusCodeShouldBe(404);
        });
        return JsonNode.Parse(result.ReadAsText())!.AsObject();
    }
}
