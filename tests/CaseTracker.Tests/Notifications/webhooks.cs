using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Alba;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Notifications;
using CaseTracker.Tests.Support;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using Wolverine.Runtime;
using Xunit;

namespace CaseTracker.Tests.Notifications;

/// <summary>
/// Webhooks: signed CloudEvents, delivered at least once with the same id on every retry, dead
/// letters an admin replays, and need-to-know judged at delivery.
/// </summary>
[Collection(NotificationsCollection.Name)]
public class webhooks(NotificationsFixture fixture) : IntegrationContext(fixture)
{
    private const string Lead = "Xingtai PSB";
    private const string Secret = "a-receivers-secret-0123456789";

    private WebhookReceiver Receiver => fixture.Receiver;

    private Action<Scenario> As(string user, string agency = Lead) => x => x.WithBearerToken(Fixture.TokenFor(Roles.Officer, user, agency));

    private async Task<(Guid Subscription, string Url)> Hook(string kind, Guid target, string user = "hooked", string agency = Lead)
    {
        var url = Receiver.NewUrl();
        var result = await Post("/api/subscriptions", new { kind, targetId = target, webhookUrl = url, secret = Secret }, 201, more: As(user, agency));
        return (Read<Subscribed>(result).SubscriptionId, url);
    }

    private async Task<Notification[]> NotificationsOf(string user, string agency = Lead) =>
        Read<Notification[]>(await Host.Scenario(x =>
        {
            x.Get.Url("/api/notifications");
            As(user, agency)(x);
        }));

    /// <summary>The dispatch has gone past every event recorded so far.</summary>
    private Task DispatchCaughtUp() => Eventually.Holds(async () =>
    {
        await using var session = Fixture.Store.QuerySession();
        var highest = await session.Database.FetchHighestEventSequenceNumber();
        var progress = await Fixture.Store.Advanced.AllProjectionProgress();
        return progress.Any(x => x.ShardName.StartsWith("WebhookDispatch", StringComparison.Ordinal) && x.Sequence >= highest);
    }, "the webhook dispatch to pass every recorded event");

    private static string Expected(byte[] body) =>
        $"sha256={Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), body))}";

    private Task<IReadOnlyList<Delivery>> Delivered(string url, int count) =>
        Eventually.Get(() => Task.FromResult(Receiver.To(url)), x => x.Count >= count, $"{count} deliveries to {url}");

    /// <summary>Every queued delivery has been tried and none is waiting for a retry.</summary>
    private Task QueueDrained() => Eventually.Holds(async () =>
    {
        var counts = await Host.Services.GetRequiredService<IWolverineRuntime>().Storage.Admin.FetchCountsAsync();
        return counts.Incoming == 0 && counts.Scheduled == 0;
    }, "the webhook queue to drain");

    [Fact]
    public async Task a_webhook_receives_each_notification_as_a_cloud_event_signed_with_the_subscriptions_secret()
    {
        var caseId = await OpenCase();
        var (subscription, url) = await Hook(SubscriptionKind.Case, caseId);

        await Accepted($"/api/cases/{caseId}/tips", Commands.Tip());

        var delivery = (await Delivered(url, 1)).Single();
        delivery.ContentType.ShouldBe("application/cloudevents+json; charset=utf-8");
        delivery.Signature.ShouldBe(Expected(delivery.Body));
        var cloudEvent = JsonNode.Parse(delivery.Body)!.AsObject();
        cloudEvent.Select(x => x.Key).ShouldBe(["specversion", "id", "source", "type", "time", "datacontenttype", "data"], ignoreOrder: true);
        cloudEvent["specversion"]!.GetValue<string>().ShouldBe("1.0");
        cloudEvent["type"]!.GetValue<string>().ShouldBe("casetracker.TipReceived");
        cloudEvent["source"]!.GetValue<string>().ShouldBe($"/api/cases/{caseId}");
        cloudEvent["datacontenttype"]!.GetValue<string>().ShouldBe("application/json");

        await ProjectionsCaughtUp();
        var notification = (await NotificationsOf("hooked")).Single(x => x.SubscriptionId == subscription);
        cloudEvent["id"]!.GetValue<string>().ShouldBe(notification.EventId.ToString());
        DateTimeOffset.Parse(cloudEvent["time"]!.GetValue<string>()).ShouldBe(notification.RecordedAt);
        var data = cloudEvent["data"]!;
        data["sequence"]!.GetValue<long>().ShouldBe(notification.Sequence);
        data["subscriptionId"]!.GetValue<Guid>().ShouldBe(subscription);
        data["summary"]!.GetValue<string>().ShouldBe(notification.Summary);
    }

    [Fact]
    public async Task a_receiver_that_fails_is_sent_the_same_event_again_until_it_takes_it()
    {
        var caseId = await OpenCase();
        var (_, url) = await Hook(SubscriptionKind.Case, caseId);
        Receiver.Fail(url, 2);

        await Accepted($"/api/cases/{caseId}/tips", Commands.Tip());

        var deliveries = await Delivered(url, 3);
        await QueueDrained();
        deliveries = Receiver.To(url);
        deliveries.Select(x => x.Answered).ShouldBe([500, 500, 204], "two failures, then one success, then nothing more");
        deliveries.Select(x => Encoding.UTF8.GetString(x.Body)).Distinct().ShouldHaveSingleItem("every retry sends the same event, id and all");
        deliveries.ShouldAllBe(x => x.Signature == Expected(x.Body));
    }

    [Fact]
    public async Task a_delivery_that_fails_every_retry_is_a_dead_letter_an_admin_lists_and_replays()
    {
        var caseId = await OpenCase();
        var (subscription, url) = await Hook(SubscriptionKind.Case, caseId);
        Receiver.Fail(url, 1 + NotificationsFixture.Retries);
        var tip = await Accepted($"/api/cases/{caseId}/tips", Commands.Tip());

        var letter = (await Eventually.Get(
            () => GetJson<DeadLetterPage>("/api/admin/dead-letters?pageSize=200", Roles.Admin),
            x => x.Items.Any(l => l.SubscriptionId == subscription), "a dead letter")).Items.Single(x => x.SubscriptionId == subscription);
        Receiver.To(url).Select(x => x.Answered).ShouldBe(Enumerable.Repeat(500, 1 + NotificationsFixture.Retries));
        await using (var session = Fixture.Store.QuerySession())
        {
            var appended = await session.Events.FetchStreamAsync(caseId, version: tip.Version, fromVersion: tip.Version);
            letter.EventId.ShouldBe(appended.Single().Id);
        }

        letter.ExceptionType.ShouldContain(nameof(WebhookDeliveryFailed));
        letter.ExceptionMessage.ShouldContain("answered 500");
        await Post($"/api/admin/dead-letters/{Guid.NewGuid()}/replay", new { }, 404, Roles.Admin);

        await Post($"/api/admin/dead-letters/{letter.Id}/replay", new { }, 202, Roles.Admin);

        var deliveries = await Delivered(url, 2 + NotificationsFixture.Retries);
        deliveries[^1].Answered.ShouldBe(204);
        deliveries[^1].Body.ShouldBe(deliveries[0].Body);
        await Eventually.Holds(async () => (await GetJson<DeadLetterPage>("/api/admin/dead-letters?pageSize=200", Roles.Admin)).Items.All(x => x.Id != letter.Id),
            "the replayed dead letter to leave the list");
    }

    [Fact]
    public async Task an_event_in_a_case_the_subscriber_may_not_see_is_not_delivered()
    {
        var visible = await OpenCase();
        var person = await IdentifyDefendant(visible);
        await ProjectionsCaughtUp();
        var (_, url) = await Hook(SubscriptionKind.Defendant, person, "outsider", "Provincial Bureau");

        var restricted = await OpenCase();
        await Accepted($"/api/cases/{restricted}/restriction", new { reason = "Informant protection" }, As("lead-officer"));
        await Accepted($"/api/cases/{restricted}/defendants", new { defendantId = person }, As("lead-officer"));
        await Accepted($"/api/cases/{visible}/arrests", Commands.Arrest(person));

        await Delivered(url, 1);
        await ProjectionsCaughtUp();
        await QueueDrained();
        var delivered = Receiver.To(url).Select(x => JsonNode.Parse(x.Body)!["data"]!["caseId"]!.GetValue<Guid>());
        delivered.ShouldBe([visible]);
    }

    [Fact]
    public async Task a_follower_of_a_person_receives_events_naming_someone_merged_into_them()
    {
        var (_, second, survivor, merged) = await TwoFilesOfOnePersonAsync();
        var (subscription, url) = await Hook(SubscriptionKind.Defendant, survivor, $"merge-watcher-{Guid.NewGuid():N}");
        await MergeAsAdmin(survivor, merged);

        await Accepted($"/api/cases/{second}/arrests", Commands.Arrest(merged));

        var data = JsonNode.Parse((await Delivered(url, 1)).Single().Body)!["data"]!;
        (data["type"]!.GetValue<string>(), data["defendantId"]!.GetValue<Guid>(), data["subscriptionId"]!.GetValue<Guid>())
            .ShouldBe(("ArrestMade", merged, subscription));
    }

    [Fact]
    public async Task an_event_naming_a_person_sealed_before_delivery_is_not_delivered_to_an_officer()
    {
        var caseId = await OpenCase();
        await using var session = Fixture.Store.LightweightSession();
        var before = await session.Database.FetchHighestEventSequenceNumber();
        var person = await IdentifyDefendant(caseId);
        await Post($"/api/defendants/{person}/sealing", Commands.Sealing(), 200, Roles.Admin);
        await Accepted($"/api/cases/{caseId}/arrests", Commands.Arrest(person));
        await Accepted($"/api/cases/{caseId}/seizures", Commands.Seizure());

        // Subscribed from before the identification but stored after the seal, so that every
        // delivery is decided after the seal, however fast the dispatch runs.
        var url = Receiver.NewUrl();
        session.Insert(new Subscription
        {
            Id = Guid.CreateVersion7(), User = "sealed-watcher", Role = Roles.Officer, Agency = Lead, Kind = SubscriptionKind.Case,
            TargetId = caseId, WebhookUrl = url, Secret = Secret, CreatedAt = DateTimeOffset.UtcNow, StartsAfter = before,
        });
        await session.SaveChangesAsync();

        await Delivered(url, 1);
        await ProjectionsCaughtUp();
        await QueueDrained();
        Receiver.To(url).Select(x => JsonNode.Parse(x.Body)!["type"]!.GetValue<string>()).ShouldBe(["casetracker.DrugsSeized"]);
    }

    [Fact]
    public async Task a_subscription_whose_storing_overlapped_its_first_events_still_receives_them()
    {
        var caseId = await OpenCase();
        await using var session = Fixture.Store.LightweightSession();
        var before = await session.Database.FetchHighestEventSequenceNumber();
        await Accepted($"/api/cases/{caseId}/tips", Commands.Tip());
        await DispatchCaughtUp();

        // As if stored just before the tip was recorded, but committed after the dispatch had passed it.
        var url = Receiver.NewUrl();
        session.Insert(new Subscription
        {
            Id = Guid.CreateVersion7(), User = "late", Role = Roles.Officer, Agency = Lead, Kind = SubscriptionKind.Case,
            TargetId = caseId, WebhookUrl = url, Secret = Secret, CreatedAt = DateTimeOffset.UtcNow, StartsAfter = before,
        });
        await session.SaveChangesAsync();
        await Accepted($"/api/cases/{caseId}/seizures", Commands.Seizure());

        var deliveries = await Delivered(url, 2);
        await ProjectionsCaughtUp();
        await QueueDrained();
        var types = Receiver.To(url).Select(x => JsonNode.Parse(x.Body)!["type"]!.GetValue<string>()).Order();
        types.ShouldBe(["casetracker.DrugsSeized", "casetracker.TipReceived"]);
        (await NotificationsOf("late")).Select(x => x.Type)
            .ShouldBe(["TipReceived", "DrugsSeized"], "the webhook received exactly what the list shows");
        deliveries.ShouldAllBe(x => x.Answered == 204);
    }
}
