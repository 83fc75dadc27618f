using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alba;
using CaseTracker.Api.Audit;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Defendants;
using CaseTracker.Api.Privacy;
using CaseTracker.Api.Stats;
using CaseTracker.Tests.Support;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Defendants;

public class merging_people(AppFixture fixture) : IntegrationContext(fixture)
{
    private const string Lead = "Xingtai PSB";
    private const string Foreign = "Another Bureau";

    private static string Marker() => Guid.NewGuid().ToString("N")[..10];

    private static Dictionary<string, object?> Merge(Guid merged) => new()
    {
        ["mergedDefendantId"] = merged,
        ["reason"] = "Same fingerprints in both files",
        ["mergedAt"] = "2019-03-01T09:00:00+08:00",
    };

    private static Dictionary<string, object?> Reversal() => new()
    {
        ["reason"] = "Fingerprint match withdrawn by the laboratory",
        ["reversedAt"] = "2019-04-01T09:00:00+08:00",
    };

    /// <summary>Two files on one man: an arrest in one case, a charge, verdict and sentence in another.</summary>
    private async Task<(Guid Survivor, Guid Merged, Guid First, Guid Second, string Marker)> TwoFilesAsync()
    {
        var marker = Marker();
        var first = await OpenCase();
        var second = await OpenCase();
        var survivor = (await Accepted($"/api/cases/{first}/defendants", new { name = $"Zhang Wei {marker}", aliases = new[] { $"Boss Zhang {marker}" }, nationality = "CN" })).EntryId!.Value;
        await Accepted($"/api/cases/{first}/arrests", Commands.Arrest(survivor));
        var merged = (await Accepted($"/api/cases/{second}/defendants", new { name = $"Wei Zhang {marker}", aliases = new[] { $"Diana {marker}" }, nationality = "CN" })).EntryId!.Value;
        var charge = (await Accepted($"/api/cases/{second}/charges", Commands.Charge(merged))).EntryId!.Value;
        await Accepted($"/api/cases/{second}/verdicts", Commands.Verdict(merged, charge));
        await Accepted($"/api/cases/{second}/sentences", Commands.Sentence(merged));
        return (survivor, merged, first, second, marker);
    }

    private async Task<MergeRecorded> Merged(Guid survivor, Guid merged, string role = Roles.Officer) =>
        Read<MergeRecorded>(await Post($"/api/defendants/{survivor}/merges", Merge(merged), 200, role));

    private async Task<string> ProfileJson(Guid id, string query = "", string role = Roles.Analyst) =>
        JsonSerializer.Serialize(await GetJson<DefendantProfile>($"/api/defendants/{id}{query}", role), Json);

    /// <summary>A profile as the API answers it (with its own JSON options), then read back as <see cref="ProfileJson"/> reads.</summary>
    private string AsAnswered(DefendantProfile? profile)
    {
        var api = Host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        return JsonSerializer.Serialize(JsonSerializer.Deserialize<DefendantProfile>(JsonSerializer.Serialize(profile, api), Json), Json);
    }

    [Fact]
    public async Task candidates_are_found_for_alias_and_transliteration_variants_and_not_for_unrelated_names()
    {
        var marker = Marker();
        var first = await OpenCase();
        var second = await OpenCase();
        var person = (await Accepted($"/api/cases/{first}/defendants", new { name = $"Zhāng Wěi {marker}", aliases = new[] { $"Diana{marker}" }, nationality = "CN" })).EntryId!.Value;
        var reordered = (await Accepted($"/api/cases/{second}/defendants", new { name = $"WEI ZHANG {marker}", nationality = "CN" })).EntryId!.Value;
        var byAlias = (await Accepted($"/api/cases/{second}/defendants", new { name = $"diana{marker}" })).EntryId!.Value;
        var unrelated = (await Accepted($"/api/cases/{first}/defendants", new { name = $"Qiao Lingfei {marker}" })).EntryId!.Value;
        await ProjectionsCaughtUp();

        var answer = await GetJson<PossibleDuplicatesView>($"/api/defendants/{person}/possible-duplicates", Roles.Analyst);

        answer.DefendantId.ShouldBe(person);
        answer.Candidates.Select(x => x.DefendantId).ShouldBe([reordered, byAlias], ignoreOrder: true);
        answer.Candidates.Select(x => x.DefendantId).ShouldNotContain(unrelated);
        answer.Candidates.ShouldAllBe(x => x.Score > 0 && x.Score <= 1 && x.Reasons.Count > 0);
        answer.Candidates.Select(x => x.Score).ShouldBeInOrder(SortDirection.Descending);
        var transliterated = answer.Candidates.Single(x => x.DefendantId == reordered);
        transliterated.Reasons.ShouldContain($"same name or alias: wei zhang {marker}");
        transliterated.Reasons.ShouldContain("same nationality: CN");
        answer.Candidates.Single(x => x.DefendantId == byAlias).Reasons.ShouldContain($"same name or alias: diana{marker}");

        // Merged people are one person: the survivor is no candidate for the one merged into them.
        await Merged(person, reordered);
        await ProjectionsCaughtUp();
        (await GetJson<PossibleDuplicatesView>($"/api/defendants/{reordered}/possible-duplicates", Roles.Analyst))
            .ShouldSatisfyAllConditions(
                x => x.DefendantId.ShouldBe(person),
                x => x.Candidates.Select(c => c.DefendantId).ShouldBe([byAlias]));
    }

    [Fact]
    public async Task the_same_name_in_another_case_outranks_a_similar_co_defendant_and_a_clerical_duplicate_is_still_listed()
    {
        var marker = Marker();
        var (first, second, third) = (await OpenCase(), await OpenCase(), await OpenCase());
        var person = (await Accepted($"/api/cases/{first}/defendants", new { name = $"Wang Wei {marker}", nationality = "CN" })).EntryId!.Value;
        var coDefendant = (await Accepted($"/api/cases/{first}/defendants", new { name = $"Wang Wen {marker}", nationality = "CN" })).EntryId!.Value;
        var enteredTwice = (await Accepted($"/api/cases/{first}/defendants", new { name = $"Wang Wei {marker}", nationality = "CN" })).EntryId!.Value;
        var associate = await IdentifyDefendant(first, "Liu Fang");
        var elsewhere = (await Accepted($"/api/cases/{second}/defendants", new { name = $"Wang Wei {marker}" })).EntryId!.Value;
        // The associate, identified with the person in the first case and with this one in the third.
        var linked = (await Accepted($"/api/cases/{third}/defendants", new { name = $"Wang Wei {marker}", nationality = "CN" })).EntryId!.Value;
        await Accepted($"/api/cases/{third}/defendants", new { defendantId = associate });
        await ProjectionsCaughtUp();
        await using var session = Fixture.Store.QuerySession();
        var alike = (await session.QueryAsync<double>("select similarity(?, ?)::float8", CancellationToken.None, $"wang wen {marker}", $"wang wei {marker}")).Single();

        var answer = await GetJson<PossibleDuplicatesView>($"/api/defendants/{person}/possible-duplicates", Roles.Analyst);

        answer.Candidates.Select(x => x.DefendantId).ShouldBe([linked, elsewhere, enteredTwice, coDefendant]);
        answer.Candidates.Select(x => x.Score).ShouldBe([0.9, 0.7, 0.5, Math.Round(0.7 * alike + 0.1 - 0.3, 3)]);
        var sameName = $"same name or alias: wang wei {marker}";
        var sameCase = "against: identified side by side in the same case";
        answer.Candidates.Select(x => x.Reasons).ShouldBe(
        [
            [sameName, "same nationality: CN", "a co-defendant in common"],
            [sameName],
            [sameName, "same nationality: CN", sameCase],
            [$"similar name or alias: wang wen {marker} ~ wang wei {marker} ({alike:0.00})", "same nationality: CN", sameCase],
        ]);
    }

    [Fact]
    public async Task a_merged_person_reads_as_the_survivor_through_either_id_is_counted_once_and_found_by_every_name()
    {
        var (survivor, merged, first, second, marker) = await TwoFilesAsync();
        await ProjectionsCaughtUp();
        var peopleBefore = (await GetJson<StatsView>("/api/stats")).Defendants;

        var answer = await Merged(survivor, merged);

        answer.DefendantId.ShouldBe(survivor);
        answer.Version.ShouldBe(1, "the merge is the first event on the survivor's record");
        answer.MergeId.ShouldNotBe(Guid.Empty);
        await ProjectionsCaughtUp();
        var throughSurvivor = await ProfileJson(survivor);
        (await ProfileJson(merged)).ShouldBe(throughSurvivor, "either id answers the survivor's profile");
        var profile = await GetJson<DefendantProfile>($"/api/defendants/{merged}");
        profile.DefendantId.ShouldBe(survivor);
        profile.MergedIds.ShouldBe([merged]);
        profile.Cases.Select(x => x.CaseId).ShouldBe([first, second], ignoreOrder: true);
        profile.Names.ShouldBe([$"Zhang Wei {marker}", $"Wei Zhang {marker}"], ignoreOrder: true);
        profile.Aliases.ShouldBe([$"Boss Zhang {marker}", $"Diana {marker}"], ignoreOrder: true);
        (profile.Arrests.Count, profile.Charges.Count, profile.Verdicts.Count, profile.Sentences.Count).ShouldBe((1, 1, 1, 1));
        profile.Status.ShouldBe("sentenced");
        (await GetJson<StatsView>("/api/stats")).Defendants.ShouldBe(peopleBefore - 1);

        foreach (var name in new[] { $"Diana {marker}", $"Zhang Wei {marker}", $"Boss Zhang {marker}" })
        {
            var found = await GetJson<DefendantPage>($"/api/defendants?name={Uri.EscapeDataString(name)}", Roles.Officer);
            found.Items.Select(x => x.DefendantId).ShouldBe([survivor], name);
            found.Total.ShouldBe(1);
            found.Items.Single().Names.Count.ShouldBe(2);
        }

        // A command naming the merged id keeps working and lands on the survivor's profile.
        await Accepted($"/api/cases/{second}/arrests", Commands.Arrest(merged));
        await ProjectionsCaughtUp();
        (await GetJson<DefendantProfile>($"/api/defendants/{survivor}")).Arrests.Select(x => x.CaseId).ShouldBe([first, second], ignoreOrder: true);
    }

    [Fact]
    public async Task a_reversal_restores_both_people_exactly_as_a_fold_of_their_events_without_the_merge()
    {
        var (survivor, merged, _, second, _) = await TwoFilesAsync();
        await ProjectionsCaughtUp();
        var survivorBefore = await ProfileJson(survivor);
        var mergedBefore = await ProfileJson(merged);
        var peopleBefore = (await GetJson<StatsView>("/api/stats")).Defendants;

        var merge = await Merged(survivor, merged);
        // Recorded while the merge stood: it stays with the id it named.
        await Accepted($"/api/cases/{second}/arrests", Commands.Arrest(merged));
        var reversal = Read<MergeRecorded>(await Post($"/api/defendants/{survivor}/merges/{merge.MergeId}/reversal", Reversal(), 200));
        reversal.ShouldBe(new MergeRecorded(survivor, merge.MergeId, 2));
        await ProjectionsCaughtUp();

        await using var session = Fixture.Store.QuerySession();
        var keys = Host.Services.GetRequiredService<PersonalKeys>();
        var always = new TimeTravel(null, null, null);
        foreach (var id in new[] { survivor, merged })
        {
            var rebuilt = await DefendantEndpoints.FoldOneAsync(session, keys, id, always, CancellationToken.None);
            (await ProfileJson(id)).ShouldBe(AsAnswered(rebuilt), "a reversed merge reads as if it had never been made");
        }

        (await ProfileJson(survivor)).ShouldBe(survivorBefore);
        (await ProfileJson(merged)).ShouldNotBe(mergedBefore, "the arrest recorded meanwhile stays with the id it named");
        (await GetJson<StatsView>("/api/stats")).Defendants.ShouldBe(peopleBefore);
    }

    [Fact]
    public async Task time_travel_before_the_merge_answers_two_people_and_after_it_one()
    {
        var (survivor, merged, _, _, _) = await TwoFilesAsync();
        await ProjectionsCaughtUp();
        var merge = await Merged(survivor, merged);
        await Post($"/api/defendants/{survivor}/merges/{merge.MergeId}/reversal", Reversal(), 200);

        await using var session = Fixture.Store.QuerySession();
        var record = await session.Events.FetchStreamAsync(survivor);
        var (mergedAt, reversedAt) = (record[0].Timestamp, record[1].Timestamp);
        string KnownAt(DateTimeOffset at) => $"?knownAt={Uri.EscapeDataString(at.ToString("O"))}";

        var before = await GetJson<DefendantProfile>($"/api/defendants/{merged}{KnownAt(mergedAt.AddTicks(-10))}", Roles.Auditor);
        (before.DefendantId, before.MergedIds.Count).ShouldBe((merged, 0));
        var during = await GetJson<DefendantProfile>($"/api/defendants/{merged}{KnownAt(mergedAt)}", Roles.Auditor);
        (during.DefendantId, during.MergedIds.Single(), during.Cases.Count).ShouldBe((survivor, merged, 2));
        var after = await GetJson<DefendantProfile>($"/api/defendants/{merged}{KnownAt(reversedAt)}", Roles.Auditor);
        (after.DefendantId, after.MergedIds.Count).ShouldBe((merged, 0));
    }

    [Fact]
    public async Task racing_merges_of_the_same_pair_let_exactly_one_win()
    {
        var (survivor, merged, _, _, _) = await TwoFilesAsync();
        using var client = Host.Server.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Fixture.TokenFor(Roles.Officer));

        var races = Enumerable.Range(0, 8).Select(i => i % 2 == 0
            ? client.PostAsJsonAsync($"/api/defendants/{survivor}/merges", Merge(merged))
            : client.PostAsJsonAsync($"/api/defendants/{merged}/merges", Merge(survivor)));
        var statuses = (await Task.WhenAll(races)).Select(x => x.StatusCode).ToList();

        statuses.Count(x => x == HttpStatusCode.OK).ShouldBe(1, string.Join(", ", statuses));
        statuses.Count(x => x == HttpStatusCode.Conflict).ShouldBe(7, string.Join(", ", statuses));
        (await StreamVersion(survivor) + await StreamVersion(merged)).ShouldBe(1, "one merge recorded, on the winner's record");
    }

    [Fact]
    public async Task merges_that_would_be_wrong_are_refused_and_append_nothing()
    {
        var (survivor, merged, _, _, _) = await TwoFilesAsync();
        var third = await IdentifyDefendant(await OpenCase(), $"Third Person {Marker()}");
        var url = $"/api/defendants/{survivor}/merges";

        var invalid = await Refused(url, new Dictionary<string, object?> { ["reason"] = " " }, 400, survivor);
        ErrorFields(invalid).ShouldBe(["mergedDefendantId", "reason", "mergedAt"], ignoreOrder: true);
        await Refused(url, Merge(survivor), 409, survivor);
        await Refused(url, Merge(Guid.NewGuid()), 404, survivor);
        await Refused($"/api/defendants/{Guid.NewGuid()}/merges", Merge(merged), 404, merged);
        await Refused(url, Merge(merged), 412, survivor, more: x => x.WithRequestHeader("If-Match", "\"3\""));

        var merge = await Merged(survivor, merged);
        var already = await Refused(url, Merge(merged), 409, survivor);
        already["title"]!.GetValue<string>().ShouldBe("Conflict with the people as recorded");
        already["detail"]!.GetValue<string>().ShouldBe($"Defendant {merged} is already merged into {survivor}; reverse that merge first.");
        await Refused($"/api/defendants/{third}/merges", Merge(merged), 409, third);
        await Refused($"/api/defendants/{merged}/merges", Merge(third), 409, merged);
        await Refused($"/api/defendants/{third}/merges", Merge(survivor), 409, third);

        var reversal = $"/api/defendants/{survivor}/merges/{merge.MergeId}/reversal";
        ErrorFields(await Refused(reversal, new { }, 400, survivor)).ShouldBe(["reason", "reversedAt"], ignoreOrder: true);
        await Refused($"/api/defendants/{survivor}/merges/{Guid.NewGuid()}/reversal", Reversal(), 404, survivor);
        await Refused($"/api/defendants/{third}/merges/{merge.MergeId}/reversal", Reversal(), 404, third);
        await Post(reversal, Reversal(), 200);
        await Refused(reversal, Reversal(), 409, survivor);

        await Post($"/api/defendants/{third}/expungement", Commands.Expungement(), 200, Roles.Admin);
        await Refused(url, Merge(third), 409, survivor);
        await Refused(url, Merge(third), 409, survivor, Roles.Admin);
    }

    [Fact]
    public async Task officers_merge_and_find_only_people_they_may_see()
    {
        var marker = Marker();
        var open = await OpenCase();
        var visible = (await Accepted($"/api/cases/{open}/defendants", new { name = $"Luo Jian {marker}" })).EntryId!.Value;
        var restricted = await OpenCase();
        var hidden = (await Accepted($"/api/cases/{restricted}/defendants", new { name = $"Jian Luo {marker}" })).EntryId!.Value;
        await Host.Scenario(x =>
        {
            x.Post.Json(new { reason = "Informant protection" }).ToUrl($"/api/cases/{restricted}/restriction");
            x.WithBearerToken(Fixture.TokenFor(Roles.Officer, "lead-officer", Lead));
        });
        await ProjectionsCaughtUp();

        void Foreigner(Scenario x) => x.WithBearerToken(Fixture.TokenFor(Roles.Officer, "foreign-officer", Foreign));
        var unknown = await Refused($"/api/defendants/{visible}/merges", Merge(hidden), 404, visible, more: Foreigner);
        unknown["detail"]!.GetValue<string>().ShouldBe($"No defendant {hidden} has been identified in any case.");
        await Refused($"/api/defendants/{hidden}/merges", Merge(visible), 404, hidden, more: Foreigner);
        (await GetJson<PossibleDuplicatesView>($"/api/defendants/{visible}/possible-duplicates", Roles.Officer, agency: Foreign)).Candidates.ShouldBeEmpty();
        (await GetJson<PossibleDuplicatesView>($"/api/defendants/{visible}/possible-duplicates", Roles.Officer, agency: Lead)).Candidates
            .Select(x => x.DefendantId).ShouldBe([hidden]);

        // Sealed: an officer cannot see the person, so cannot merge them.
        var sealedPerson = (await Accepted($"/api/cases/{open}/defendants", new { name = $"Luo Jianguo {marker}" })).EntryId!.Value;
        await Post($"/api/defendants/{sealedPerson}/sealing", Commands.Sealing(), 200, Roles.Admin);
        await Refused($"/api/defendants/{visible}/merges", Merge(sealedPerson), 404, visible);
        await ProjectionsCaughtUp();
        (await GetJson<PossibleDuplicatesView>($"/api/defendants/{visible}/possible-duplicates", Roles.Officer)).Candidates
            .Select(x => x.DefendantId).ShouldNotContain(sealedPerson);
        (await GetJson<PossibleDuplicatesView>($"/api/defendants/{visible}/possible-duplicates", Roles.Auditor)).Candidates
            .Select(x => x.DefendantId).ShouldContain(sealedPerson);
    }

    [Fact]
    public async Task an_idempotent_merge_replays_its_first_answer()
    {
        var (survivor, merged, _, _, _) = await TwoFilesAsync();
        void Keyed(Scenario x) => x.WithRequestHeader("Idempotency-Key", $"merge-{survivor}");

        var first = await Post($"/api/defendants/{survivor}/merges", Merge(merged), 200, more: Keyed);
        var again = await Post($"/api/defendants/{survivor}/merges", Merge(merged), 200, more: Keyed);

        JsonNode.Parse(again.ReadAsText())!.ToJsonString().ShouldBe(JsonNode.Parse(first.ReadAsText())!.ToJsonString());
        again.Context.Response.Headers["Idempotent-Replayed"].ToString().ShouldBe("true");
        (await StreamVersion(survivor)).ShouldBe(1);
    }
}
