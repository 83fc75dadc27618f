using Alba;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Notifications;
using CaseTracker.Tests.Support;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Notifications;

/// <summary>
/// What a follower is told: every event of a followed case, every event naming a followed person
/// in any case they may see, and nothing from a case they may not see, judged when they read.
/// </summary>
[Collection(NotificationsCollection.Name)]
public class notifications(NotificationsFixture fixture) : IntegrationContext(fixture)
{
    // Commands.OpenCase names Xingtai PSB as lead and US DHS as partner.
    private const string Lead = "Xingtai PSB";
    private const string Outsider = "Provincial Bureau";

    private Action<Scenario> As(string user, string agency) => x => x.WithBearerToken(Fixture.TokenFor(Roles.Officer, user, agency));

    private async Task<Guid> Follow(string user, string agency, string kind, Guid target) =>
        Read<Subscribed>(await Post("/api/subscriptions", new { kind, targetId = target }, 201, more: As(user, agency))).SubscriptionId;

    private async Task<Notification[]> NotificationsOf(string user, string agency, string query = "")
    {
        var result = await Host.Scenario(x =>
        {
            x.Get.Url($"/api/notifications{query}");
            As(user, agency)(x);
        });
        return Read<Notification[]>(result);
    }

    /// <summary>The user's notifications once the feed has caught up with every event recorded so far.</summary>
    private async Task<Notification[]> CaughtUpNotificationsOf(string user, string agency)
    {
        await ProjectionsCaughtUp();
        return await NotificationsOf(user, agency);
    }

    private async Task Restrict(Guid caseId) =>
        await Accepted($"/api/cases/{caseId}/restriction", new { reason = "Informant protection" }, As("lead-officer", Lead));

    [Fact]
    public async Task nothing_about_a_sealed_person_is_told_to_officers_and_they_cannot_follow_them_until_the_seal_is_lifted()
    {
        var caseId = await OpenCase();
        var person = await IdentifyDefendant(caseId, "Sealed Person");
        await ProjectionsCaughtUp();
        var follower = $"follower-{Guid.NewGuid():N}";
        var personSubscription = await Follow(follower, Lead, SubscriptionKind.Defendant, person);
        var caseSubscription = await Follow(follower, Lead, SubscriptionKind.Case, caseId);
        await Accepted($"/api/cases/{caseId}/arrests", Commands.Arrest(person));
        await Accepted($"/api/cases/{caseId}/seizures", Commands.Seizure());
        (await CaughtUpNotificationsOf(follower, Lead)).Select(x => (x.Type, x.SubscriptionId)).ShouldBe(
            [("ArrestMade", personSubscription), ("ArrestMade", caseSubscription), ("DrugsSeized", caseSubscription)]);

        await Post($"/api/defendants/{person}/sealing", Commands.Sealing(), 200, Roles.Admin);

        (await NotificationsOf(follower, Lead)).Select(x => x.Type).ShouldBe(["DrugsSeized"], "what names the person is withheld, earlier notifications included");
        await Post("/api/subscriptions", new { kind = SubscriptionKind.Defendant, targetId = person }, 404, more: As($"new-{follower}", Lead));

        await Post($"/api/defendants/{person}/sealing/lifting", Commands.Lifting(), 200, Roles.Admin);
        (await NotificationsOf(follower, Lead)).Select(x => x.Type).ShouldBe(["ArrestMade", "ArrestMade", "DrugsSeized"]);
    }

    [Fact]
    public async Task a_followed_person_named_in_another_case_is_told_and_not_from_a_restricted_case_of_other_agencies()
    {
        var first = await OpenCase();
        var person = await IdentifyDefendant(first, "Followed Person");
        await ProjectionsCaughtUp();
        var outsider = $"outsider-{Guid.NewGuid():N}";
        var insider = $"insider-{Guid.NewGuid():N}";
        var outsiderSubscription = await Follow(outsider, Outsider, SubscriptionKind.Defendant, person);
        var insiderSubscription = await Follow(insider, Lead, SubscriptionKind.Defendant, person);

        var other = await OpenCase();
        await Accepted($"/api/cases/{other}/defendants", new { defendantId = person });
        await Accepted($"/api/cases/{other}/seizures", Commands.Seizure());
        await Accepted($"/api/cases/{other}/arrests", Commands.Arrest(person));
        var restricted = await OpenCase();
        await Restrict(restricted);
        await Accepted($"/api/cases/{restricted}/defendants", new { defendantId = person }, As("lead-officer", Lead));
        await Accepted($"/api/cases/{restricted}/arrests", Commands.Arrest(person), As("lead-officer", Lead));

        var told = await CaughtUpNotificationsOf(outsider, Outsider);
        told.Select(x => (x.CaseId, x.Type, x.DefendantId, x.SubscriptionId)).ShouldBe(
        [
            (other, "DefendantIdentified", (Guid?)person, outsiderSubscription),
            (other, "ArrestMade", person, outsiderSubscription),
        ]);
        told.Select(x => x.Sequence).ShouldBeInOrder(SortDirection.Ascending);
        told[1].Summary.ShouldBe("Arrest made at Xingtai by Xingtai PSB");
        told[1].OccurredAt.ShouldBe(DateTimeOffset.Parse(Commands.At));
        told.ShouldAllBe(x => !x.Summary.Contains("Followed Person"));

        // The restricted case's own agency is told of it: the outsider was left out by need-to-know alone.
        var insiderTold = await NotificationsOf(insider, Lead);
        insiderTold.Select(x => (x.CaseId, x.Type)).ShouldBe(
            [(other, "DefendantIdentified"), (other, "ArrestMade"), (restricted, "DefendantIdentified"), (restricted, "ArrestMade")]);
        insiderTold.ShouldAllBe(x => x.SubscriptionId == insiderSubscription);
    }

    [Fact]
    public async Task a_follower_of_a_person_is_told_of_them_under_any_id_merged_with_theirs_while_the_merge_stands()
    {
        var (first, second, survivor, merged) = await TwoFilesOfOnePersonAsync();
        var (ofSurvivor, ofMerged) = ($"survivor-follower-{Guid.NewGuid():N}", $"merged-follower-{Guid.NewGuid():N}");
        var survivorSubscription = await Follow(ofSurvivor, Lead, SubscriptionKind.Defendant, survivor);
        var mergedSubscription = await Follow(ofMerged, Lead, SubscriptionKind.Defendant, merged);

        var merge = await MergeAsAdmin(survivor, merged);
        await Accepted($"/api/cases/{second}/arrests", Commands.Arrest(merged));
        await Accepted($"/api/cases/{first}/arrests", Commands.Arrest(survivor));

        // One person under two ids: each follower is told of both arrests, each naming the id it was recorded under.
        (await CaughtUpNotificationsOf(ofSurvivor, Lead)).Select(x => (x.CaseId, x.DefendantId, x.SubscriptionId)).ShouldBe(
            [(second, (Guid?)merged, survivorSubscription), (first, survivor, survivorSubscription)]);
        (await NotificationsOf(ofMerged, Lead)).Select(x => (x.CaseId, x.DefendantId, x.SubscriptionId)).ShouldBe(
            [(second, (Guid?)merged, mergedSubscription), (first, survivor, mergedSubscription)]);

        // Put together when read, like the profile: a reversal gives each follower their own person's events again.
        await Post($"/api/defendants/{survivor}/merges/{merge.MergeId}/reversal", new { reason = "Withdrawn", reversedAt = Commands.At }, 200, Roles.Admin);
        (await NotificationsOf(ofSurvivor, Lead)).Select(x => x.DefendantId).ShouldBe([(Guid?)survivor]);
        (await NotificationsOf(ofMerged, Lead)).Select(x => x.DefendantId).ShouldBe([(Guid?)merged]);
    }

    [Fact]
    public async Task nothing_reaches_the_follower_of_a_sealed_person_through_someone_merged_into_them_later()
    {
        var (_, second, survivor, merged) = await TwoFilesOfOnePersonAsync();
        var follower = $"sealed-follower-{Guid.NewGuid():N}";
        await Follow(follower, Lead, SubscriptionKind.Defendant, survivor);
        await Post($"/api/defendants/{survivor}/sealing", Commands.Sealing(), 200, Api.Auth.Roles.Admin);
        await MergeAsAdmin(survivor, merged);

        await Accepted($"/api/cases/{second}/arrests", Commands.Arrest(merged));

        // The merged person is not sealed, but they are now the sealed person: the group is unknown to an officer.
        (await CaughtUpNotificationsOf(follower, Lead)).ShouldBeEmpty();
    }

    [Fact]
    public async Task a_case_restricted_later_stops_showing_to_outsiders_its_earlier_notifications_included()
    {
        var caseId = await OpenCase();
        var outsider = $"outsider-{Guid.NewGuid():N}";
        await Follow(outsider, Outsider, SubscriptionKind.Case, caseId);
        await Accepted($"/api/cases/{caseId}/tips", Commands.Tip());
        (await CaughtUpNotificationsOf(outsider, Outsider)).Select(x => x.Type).ShouldBe(["TipReceived"]);

        await Restrict(caseId);
        await Accepted($"/api/cases/{caseId}/seizures", Commands.Seizure(), As("lead-officer", Lead));

        (await CaughtUpNotificationsOf(outsider, Outsider)).ShouldBeEmpty();

        await Accepted($"/api/cases/{caseId}/restriction/lifting", new { reason = "Trial is public" }, As("lead-officer", Lead));
        (await CaughtUpNotificationsOf(outsider, Outsider)).Select(x => x.Type)
            .ShouldBe(["TipReceived", "CaseRestricted", "DrugsSeized", "CaseRestrictionLifted"]);
    }

    [Fact]
    public async Task a_followed_case_tells_every_later_event_of_it_oldest_first_and_pages_after_a_sequence()
    {
        var caseId = await OpenCase();
        await Accepted($"/api/cases/{caseId}/tips", Commands.Tip());
        var user = $"follower-{Guid.NewGuid():N}";
        var subscription = await Follow(user, Lead, SubscriptionKind.Case, caseId);

        await Accepted($"/api/cases/{caseId}/seizures", Commands.Seizure());
        var person = await IdentifyDefendant(caseId);
        await Accepted($"/api/cases/{caseId}/arrests", Commands.Arrest(person));
        await Accepted($"/api/cases/{caseId}/closure", Commands.Closure());

        var all = await CaughtUpNotificationsOf(user, Lead);
        all.Select(x => x.Type).ShouldBe(["DrugsSeized", "DefendantIdentified", "ArrestMade", "CaseClosed"], "the tip came before the subscription");
        all.ShouldAllBe(x => x.SubscriptionId == subscription && x.CaseId == caseId);
        all.Select(x => x.DefendantId).ShouldBe([null, person, person, null]);
        all.Select(x => x.EventId).Distinct().Count().ShouldBe(4);

        (await NotificationsOf(user, Lead, $"?after={all[1].Sequence}")).ShouldBe(all[2..]);

        var firstPage = await Host.Scenario(x =>
        {
            x.Get.Url("/api/notifications?limit=1");
            As(user, Lead)(x);
        });
        Read<Notification[]>(firstPage).ShouldBe(all[..1]);
        firstPage.Context.Response.Headers.Link.ToString().ShouldBe($"</api/notifications?after={all[0].Sequence}&limit=1>; rel=\"next\"");
    }

    [Fact]
    public async Task ending_a_subscription_ends_its_notifications()
    {
        var caseId = await OpenCase();
        var user = $"follower-{Guid.NewGuid():N}";
        var subscription = await Follow(user, Lead, SubscriptionKind.Case, caseId);
        await Accepted($"/api/cases/{caseId}/tips", Commands.Tip());
        (await CaughtUpNotificationsOf(user, Lead)).ShouldHaveSingleItem();

        await Host.Scenario(x =>
        {
            x.Delete.Url($"/api/subscriptions/{subscription}");
            As(user, Lead)(x);
            x.StatusCodeShouldBe(204);
        });

        (await NotificationsOf(user, Lead)).ShouldBeEmpty();
    }
}
