using CaseTracker.Api.Audit;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Defendants;
using CaseTracker.Api.Privacy;
using CaseTracker.Api.Storage;
using CaseTracker.Tests.Support;
using Marten;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Privacy;

/// <summary>
/// Two files found to be one person and merged: a court order on the survivor's record is about
/// that person, so it covers the file merged into them as well (docs/privacy.md, docs/merges.md).
/// </summary>
public abstract class OrdersOnAMergedPerson(AppFixture fixture) : IntegrationContext(fixture)
{
    protected sealed record Group(Guid Survivor, Guid Merged, Guid MergedCase, Guid MergeId, string[] MergedPersonal);

    /// <summary>The survivor in one case; the merged person in another, with an alias a tip of that case names.</summary>
    protected async Task<Group> MergedAsync()
    {
        var marker = Guid.NewGuid().ToString("N")[..12];
        string[] personal = [$"Wei Zhang {marker}", $"Diana {marker}", $"Merged Land {marker}"];
        var (first, second) = (await OpenCase(), await OpenCase());
        var survivor = (await Accepted($"/api/cases/{first}/defendants", new { name = $"Zhang Wei {marker}", aliases = new[] { $"Boss Zhang {marker}" } })).EntryId!.Value;
        var merged = (await Accepted($"/api/cases/{second}/defendants", new { name = personal[0], aliases = new[] { personal[1] }, nationality = personal[2] })).EntryId!.Value;
        await Accepted($"/api/cases/{second}/tips", Commands.Tip().With("subjectAlias", personal[1]));
        var merge = Read<MergeRecorded>(await Post($"/api/defendants/{survivor}/merges",
            new { mergedDefendantId = merged, reason = "Same fingerprints in both files", mergedAt = "2019-03-01T09:00:00+08:00" }, 200, Roles.Admin));
        await ProjectionsCaughtUp();
        return new Group(survivor, merged, second, merge.MergeId, personal);
    }

    protected async Task<T> LastOrder<T>(Guid person)
    {
        await using var session = Fixture.Store.QuerySession();
        return (await session.Events.ReadStreamAsync(person, CancellationToken.None)).Last().Data.ShouldBeOfType<T>();
    }

    protected Task Reverse(Group group) => Post($"/api/defendants/{group.Survivor}/merges/{group.MergeId}/reversal",
        new { reason = "Fingerprint match withdrawn", reversedAt = "2019-04-01T09:00:00+08:00" }, 200, Roles.Admin);

    protected async Task<CaseDefendant> MergedAsRead(Group group, string role) =>
        (await GetJson<CaseDetails>($"/api/cases/{group.MergedCase}", role)).Defendants.Single();

    protected async Task<string?> TipAsRead(Group group, string role) =>
        (await GetJson<CaseDetails>($"/api/cases/{group.MergedCase}", role)).Tips.Single().SubjectAlias;
}

public class sealing_a_merged_person(AppFixture fixture) : OrdersOnAMergedPerson(fixture)
{
    [Fact]
    public async Task a_seal_on_the_survivor_covers_the_person_merged_into_them_until_it_is_lifted()
    {
        var group = await MergedAsync();

        (await Post($"/api/defendants/{group.Survivor}/sealing", Commands.Sealing(), 200, Roles.Admin)).ShouldNotBeNull();
        var seal = await LastOrder<RecordSealed>(group.Survivor);
        seal.Merged.ShouldBe([group.Merged]);
        seal.Subjects.ShouldContain(group.Merged);

        foreach (var role in new[] { Roles.Officer, Roles.Analyst })
        {
            var shown = await MergedAsRead(group, role);
            (shown.Name, shown.Nationality).ShouldBe((Withheld.Sealed, Withheld.Sealed), "the merged file is the sealed person's too");
            (await TipAsRead(group, role)).ShouldBe(Withheld.Sealed, "and so is a tip naming them by their alias");
            (await GetJson<DefendantPage>($"/api/defendants?name={Uri.EscapeDataString(group.MergedPersonal[0])}", role)).Items.ShouldBeEmpty();
            await GetJson<object>($"/api/defendants/{group.Merged}", role, status: 404);
        }

        var third = await OpenCase();
        await Refused($"/api/cases/{third}/defendants", new { defendantId = group.Merged }, 404, third);

        (await MergedAsRead(group, Roles.Auditor)).Name.ShouldBe(group.MergedPersonal[0]);
        (await GetJson<ReadRecordPage>($"/api/audit/reads?defendantId={group.Merged}&pageSize=200", Roles.Auditor)).Items
            .ShouldContain(x => x.Sealed!.Contains(group.Merged), "the auditor's read of the merged file is on record under its own id");

        // The order covered who was one person when it was made; only lifting it undoes that.
        await Reverse(group);
        (await MergedAsRead(group, Roles.Officer)).Name.ShouldBe(Withheld.Sealed);

        await Post($"/api/defendants/{group.Survivor}/sealing/lifting", Commands.Lifting(), 200, Roles.Admin);
        (await LastOrder<RecordUnsealed>(group.Survivor)).Merged.ShouldBe([group.Merged]);
        (await MergedAsRead(group, Roles.Officer)).Name.ShouldBe(group.MergedPersonal[0]);
        (await TipAsRead(group, Roles.Officer)).ShouldBe(group.MergedPersonal[1]);
        (await GetJson<DefendantPage>($"/api/defendants?name={Uri.EscapeDataString(group.MergedPersonal[1])}", Roles.Officer)).Items
            .Single().DefendantId.ShouldBe(group.Merged);
    }

    [Fact]
    public async Task a_seal_made_before_a_merge_does_not_reach_the_person_merged_in_later()
    {
        var group = await MergedAsync();
        await Reverse(group);
        await Post($"/api/defendants/{group.Survivor}/sealing", Commands.Sealing(), 200, Roles.Admin);
        (await LastOrder<RecordSealed>(group.Survivor)).Merged.ShouldBeEmpty();

        await Post($"/api/defendants/{group.Survivor}/merges",
            new { mergedDefendantId = group.Merged, reason = "Fingerprints confirmed", mergedAt = "2019-05-01T09:00:00+08:00" }, 200, Roles.Admin);
        (await MergedAsRead(group, Roles.Officer)).Name.ShouldBe(group.MergedPersonal[0], "no court ordered it: a new order on the survivor would cover them");
    }
}

[Collection(ExpungementCollection.Name)]
public class expunging_a_merged_person(ExpungementFixture fixture) : OrdersOnAMergedPerson(fixture)
{
    private static readonly string[] Everyone = [Roles.Officer, Roles.Analyst, Roles.Auditor, Roles.Admin];

    [Fact]
    public async Task expunging_the_survivor_destroys_the_person_merged_into_them_too_and_for_good()
    {
        var group = await MergedAsync();

        await Post($"/api/defendants/{group.Survivor}/expungement", Commands.Expungement(), 200, Roles.Admin);
        var order = await LastOrder<RecordExpunged>(group.Survivor);
        order.Merged.ShouldBe([group.Merged]);
        order.Subjects.ShouldContain(group.Merged);

        foreach (var role in Everyone)
        {
            var shown = await MergedAsRead(group, role);
            (shown.Name, shown.Nationality).ShouldBe((Withheld.Expunged, Withheld.Expunged));
            shown.Aliases.ShouldBe([Withheld.Expunged]);
            (await TipAsRead(group, role)).ShouldBe(Withheld.Expunged);
            (await GetJson<DefendantPage>($"/api/defendants?name={Uri.EscapeDataString(group.MergedPersonal[1])}", role)).Items.ShouldBeEmpty();
        }

        await using (var session = Fixture.Store.QuerySession())
        {
            (await session.LoadAsync<PersonalKey>(group.Merged))!.Wrapped.ShouldBeNull("the merged person's key is destroyed");
        }

        (await Refused($"/api/defendants/{group.Merged}/expungement", Commands.Expungement("EX-2024-0044"), 409, group.Merged, Roles.Admin))["detail"]!
            .GetValue<string>().ShouldContain("expunged");

        // Undoing the merge gives back nothing the order destroyed, and the person cannot be merged again.
        await Reverse(group);
        (await MergedAsRead(group, Roles.Auditor)).Name.ShouldBe(Withheld.Expunged);
        var other = await OpenCase();
        var someone = (await Accepted($"/api/cases/{other}/defendants", new { name = $"Someone {Guid.NewGuid():N}" })).EntryId!.Value;
        await Refused($"/api/defendants/{someone}/merges",
            new { mergedDefendantId = group.Merged, reason = "Same person", mergedAt = "2019-05-01T09:00:00+08:00" }, 409, someone, Roles.Admin);

        await ProjectionsCaughtUp();
        (await GetJson<DefendantProfile>($"/api/defendants/{group.Merged}", Roles.Auditor)).Names.ShouldBe([Withheld.Expunged]);
        var dump = await PostgresServer.DumpAsync(Fixture.ConnectionString);
        foreach (var text in group.MergedPersonal) dump.ShouldNotContain(text, Shouldly.Case.Insensitive, "nothing in the database names the merged person");
    }
}
