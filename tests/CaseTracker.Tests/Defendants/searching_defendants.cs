using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Defendants;
using CaseTracker.Api.Privacy;
using CaseTracker.Tests.Support;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Defendants;

public class searching_defendants(AppFixture fixture) : IntegrationContext(fixture)
{
    // Commands.OpenCase names Xingtai PSB as lead.
    private const string Lead = "Xingtai PSB";
    private const string Foreign = "Another Bureau";

    [Fact]
    public async Task totals_and_every_page_are_exact_far_beyond_a_few_thousand_matches_for_a_reader_with_hidden_cases()
    {
        var marker = Guid.NewGuid().ToString("N")[..8];
        var open = await OpenCase();
        var restricted = await RestrictedCase();
        // People named in the open case, a few of them also in the restricted one (so decided on
        // their visible rows), and people only the restricted case names.
        var visible = Enumerable.Range(0, 2_050).Select(_ => Guid.CreateVersion7()).ToList();
        var hiddenOnly = Enumerable.Range(0, 60).Select(_ => Guid.CreateVersion7()).ToList();
        await Identify(open, visible.Select((id, i) => (id, $"Bulk{marker} Visible {i:0000}")));
        await Identify(restricted, visible.Take(40).Concat(hiddenOnly).Select((id, i) => (id, $"Bulk{marker} Restricted {i:0000}")));
        var sealedPerson = visible[^1];
        await Post($"/api/defendants/{sealedPerson}/sealing", Commands.Sealing(), 200, Roles.Admin);
        await ProjectionsCaughtUp();

        var term = $"bulk{marker}";
        var seen = new List<Guid>();
        for (var page = 1; ; page++)
        {
            var answer = await GetJson<DefendantPage>($"/api/defendants?name={term}&page={page}&pageSize=200", Roles.Analyst, agency: Foreign);
            answer.Total.ShouldBe(visible.Count - 1, "the open case's people, less the sealed one, and nobody only the restricted case names");
            if (answer.Items.Count == 0) break;
            seen.AddRange(answer.Items.Select(x => x.DefendantId));
            answer.Items.ShouldAllBe(x => x.Names.All(name => name.Contains("Visible")), "a name only the restricted case records is not shown");
        }

        seen.Count.ShouldBe(visible.Count - 1);
        seen.ShouldBe(visible.Where(x => x != sealedPerson), ignoreOrder: true, "every page holds the next people, none twice");

        (await GetJson<DefendantPage>($"/api/defendants?name={term}&pageSize=1", Roles.Analyst, agency: Lead)).Total
            .ShouldBe(visible.Count - 1 + hiddenOnly.Count, "the leading agency sees its restricted case");
        (await GetJson<DefendantPage>($"/api/defendants?name={term}&pageSize=1", Roles.Auditor, agency: Foreign)).Total
            .ShouldBe(visible.Count + hiddenOnly.Count, "an auditor finds everyone, the sealed person too");
        (await GetJson<DefendantPage>($"/api/defendants?name={term} restricted&pageSize=1", Roles.Analyst, agency: Foreign)).Total
            .ShouldBe(0, "what only the restricted case calls the people who are also in the open case finds no one");
        (await GetJson<DefendantPage>($"/api/defendants?name={term} restricted&pageSize=1", Roles.Analyst, agency: Lead)).Total
            .ShouldBe(40 + hiddenOnly.Count);
    }

    [Fact]
    public async Task a_person_is_found_by_words_from_several_cases_but_only_by_what_cases_the_reader_may_see_say()
    {
        var marker = Guid.NewGuid().ToString("N")[..8];
        var restricted = await RestrictedCase();
        var open = await OpenCase();
        var person = (await Accepted($"/api/cases/{restricted}/defendants", new { name = $"Hidden{marker} Zhao", aliases = new[] { $"Courier{marker}" } }, AsLead)).EntryId!.Value;
        await Accepted($"/api/cases/{open}/defendants", new { defendantId = person, aliases = new[] { $"Open{marker}" } }, AsLead);
        var onlyRestricted = (await Accepted($"/api/cases/{restricted}/defendants", new { name = $"Secret{marker} Qian" }, AsLead)).EntryId!.Value;
        await ProjectionsCaughtUp();

        async Task<List<Guid>> Found(string term, string agency) =>
            [.. (await GetJson<DefendantPage>($"/api/defendants?name={Uri.EscapeDataString(term)}", Roles.Analyst, agency: agency)).Items.Select(x => x.DefendantId)];

        // The identification in the open case carries the name it was given first: the open case records it too.
        (await Found($"hidden{marker} open{marker}", Foreign)).ShouldBe([person], "both words in what the open case records, one in an alias");
        (await Found($"open{marker} courier{marker}", Foreign)).ShouldBeEmpty("the alias only the restricted case records");
        (await Found($"open{marker} courier{marker}", Lead)).ShouldBe([person], "words from two cases, both visible to the lead agency");
        (await Found($"secret{marker}", Foreign)).ShouldBeEmpty();
        (await Found($"secret{marker}", Lead)).ShouldBe([onlyRestricted]);
        (await Found($"{marker}", Foreign)).ShouldBe([person]);
        (await Found($"{marker}", Lead)).ShouldBe([person, onlyRestricted], ignoreOrder: true);
    }

    [Fact]
    public async Task wildcards_in_a_search_are_literal_characters()
    {
        var marker = Guid.NewGuid().ToString("N")[..8];
        var caseId = await OpenCase();
        var percent = await IdentifyDefendant(caseId, $"Wu{marker} 100%");
        await IdentifyDefendant(caseId, $"Wu{marker} 1000");
        await ProjectionsCaughtUp();

        (await GetJson<DefendantPage>($"/api/defendants?name={Uri.EscapeDataString($"wu{marker} 100%")}")).Items.Select(x => x.DefendantId).ShouldBe([percent]);
        (await GetJson<DefendantPage>($"/api/defendants?name={Uri.EscapeDataString($"wu{marker}_")}")).Total.ShouldBe(0);
    }

    private void AsLead(Alba.Scenario x) => x.WithBearerToken(Fixture.TokenFor(Roles.Officer, "lead-officer", Lead));

    private async Task<Guid> RestrictedCase()
    {
        var caseId = await OpenCase();
        await Accepted($"/api/cases/{caseId}/restriction", new { reason = "Informant protection" }, AsLead);
        return caseId;
    }

    /// <summary>
    /// Many identifications at once, appended straight to the case's stream (encrypted and sealed by
    /// the store's listeners, as the API's appends are): thousands of people in a few seconds.
    /// </summary>
    private async Task Identify(Guid caseId, IEnumerable<(Guid Id, string Name)> people)
    {
        foreach (var chunk in people.Chunk(500))
        {
            await using var session = Fixture.Store.LightweightSession();
            var version = (await session.Events.FetchStreamStateAsync(caseId))!.Version;
            session.Events.Append(caseId, version + chunk.Length,
                chunk.Select(x => (object)new DefendantIdentified(x.Id, Personal.Clear(x.Name), [], null, null, DateTimeOffset.Parse(Commands.At))).ToArray());
            await session.SaveChangesAsync();
        }
    }
}
