using System.Text.Json.Nodes;
using Alba;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Notifications;
using CaseTracker.Tests.Support;
using Marten;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Notifications;

/// <summary>
/// Following a case or a person: a user's own subscriptions, need-to-know on what may be followed,
/// and the webhook addresses that are refused (this host keeps Webhooks:AllowPrivateNetworks false).
/// </summary>
public class subscriptions(AppFixture fixture) : IntegrationContext(fixture)
{
    private const string Lead = "Xingtai PSB";
    private const string Foreign = "Another Bureau";

    private Action<Scenario> As(string user, string agency = Lead, string role = Roles.Officer) =>
        x => x.WithBearerToken(Fixture.TokenFor(role, user, agency));

    private async Task<Subscribed> Follow(string user, string kind, Guid target, string agency = Lead)
    {
        var result = await Post("/api/subscriptions", new { kind, targetId = target }, 201, more: As(user, agency));
        result.Context.Response.Headers.Location.ToString().ShouldBe($"/api/subscriptions/{Read<Subscribed>(result).SubscriptionId}");
        return Read<Subscribed>(result);
    }

    private async Task<T> GetAs<T>(string url, string user, int status = 200)
    {
        var result = await Host.Scenario(x =>
        {
            x.Get.Url(url);
            As(user)(x);
            x.StatusCodeShouldBe(status);
        });
        return status == 200 ? Read<T>(result) : default!;
    }

    private async Task<int> StoredSubscriptions()
    {
        await using var session = Fixture.Store.QuerySession();
        return await session.Query<Subscription>().CountAsync();
    }

    /// <summary>A subscription refused: the status, a problem document, and nothing stored.</summary>
    private async Task<JsonObject> RefusedSubscription(object body, int status, string user = "refused-user", string agency = Lead)
    {
        var before = await StoredSubscriptions();
        var problem = await Refused("/api/subscriptions", body, status, streamId: null, more: As(user, agency));
        (await StoredSubscriptions()).ShouldBe(before, "a refused subscription must store nothing");
        return problem;
    }

    [Fact]
    public async Task a_user_lists_reads_and_ends_their_own_subscriptions_and_no_one_elses()
    {
        var user = $"follower-{Guid.NewGuid():N}";
        var caseId = await OpenCase();
        var person = await IdentifyDefendant(caseId);
        await ProjectionsCaughtUp();

        var toCase = await Follow(user, SubscriptionKind.Case, caseId);
        var toPerson = await Follow(user, SubscriptionKind.Defendant, person);
        toCase.StartsAfter.ShouldBeGreaterThan(0);
        toCase.Secret.ShouldBeNull("no webhook, no secret");

        var listed = await GetAs<SubscriptionView[]>("/api/subscriptions", user);
        listed.Select(x => (x.SubscriptionId, x.Kind, x.TargetId)).ShouldBe(
            [(toCase.SubscriptionId, SubscriptionKind.Case, caseId), (toPerson.SubscriptionId, SubscriptionKind.Defendant, person)]);
        (await GetAs<SubscriptionView>($"/api/subscriptions/{toCase.SubscriptionId}", user)).TargetId.ShouldBe(caseId);

        // Someone else's subscription is not theirs to see or end: it answers as an unknown one.
        (await GetAs<SubscriptionView[]>("/api/subscriptions", "someone-else")).ShouldNotContain(x => x.SubscriptionId == toCase.SubscriptionId);
        await GetAs<object>($"/api/subscriptions/{toCase.SubscriptionId}", "someone-else", 404);
        await Host.Scenario(x =>
        {
            x.Delete.Url($"/api/subscriptions/{toCase.SubscriptionId}");
            As("someone-else")(x);
            x.StatusCodeShouldBe(404);
            x.ContentTypeShouldBe("application/problem+json");
        });

        await Host.Scenario(x =>
        {
            x.Delete.Url($"/api/subscriptions/{toCase.SubscriptionId}");
            As(user)(x);
            x.StatusCodeShouldBe(204);
        });
        (await GetAs<SubscriptionView[]>("/api/subscriptions", user)).Select(x => x.SubscriptionId).ShouldBe([toPerson.SubscriptionId]);
        await Host.Scenario(x =>
        {
            x.Delete.Url($"/api/subscriptions/{toCase.SubscriptionId}");
            As(user)(x);
            x.StatusCodeShouldBe(404);
        });
    }

    [Fact]
    public async Task following_a_case_or_person_the_caller_may_not_see_answers_as_an_unknown_id_does()
    {
        var caseId = await OpenCase();
        var person = await IdentifyDefendant(caseId, "Hidden Person");
        await Accepted($"/api/cases/{caseId}/restriction", new { reason = "Informant protection" }, As("lead-officer"));
        await ProjectionsCaughtUp();

        var hiddenCase = await RefusedSubscription(new { kind = "case", targetId = caseId }, 404, agency: Foreign);
        var unknownCase = await RefusedSubscription(new { kind = "case", targetId = Guid.NewGuid() }, 404, agency: Foreign);
        hiddenCase["title"]!.ToString().ShouldBe(unknownCase["title"]!.ToString());
        hiddenCase["detail"]!.ToString().ShouldBe($"No case {caseId}.");

        var hiddenPerson = await RefusedSubscription(new { kind = "defendant", targetId = person }, 404, agency: Foreign);
        hiddenPerson["detail"]!.ToString().ShouldBe($"No defendant {person} has been identified in any case.");
        await RefusedSubscription(new { kind = "defendant", targetId = Guid.NewGuid() }, 404, agency: Foreign);

        // The case's own agencies follow it.
        await Follow("lead-follower", SubscriptionKind.Case, caseId);
        await Follow("lead-follower", SubscriptionKind.Defendant, person);
    }

    [Fact]
    public async Task only_officers_follow_and_a_malformed_subscription_is_refused_field_by_field()
    {
        var caseId = await OpenCase();
        await Post("/api/subscriptions", new { kind = "case", targetId = caseId }, 403, Roles.Analyst);

        var problem = await RefusedSubscription(new { kind = "suspect", webhookUrl = "ftp://example.com/hook", secret = "short" }, 400);
        ErrorFields(problem).ShouldBe(["kind", "targetId", "webhookUrl", "secret"], ignoreOrder: true);

        problem = await RefusedSubscription(new { kind = "case", targetId = caseId, secret = "a secret without a webhook" }, 400);
        ErrorFields(problem).ShouldBe(["secret"]);

        problem = await RefusedSubscription(new { kind = "case", targetId = caseId, webhookUrl = "https://user:pw@example.com/hook" }, 400);
        ErrorFields(problem).ShouldBe(["webhookUrl"]);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5080/api/cases")]
    [InlineData("http://localhost/hook")]
    [InlineData("http://10.1.2.3/hook")]
    [InlineData("http://172.16.0.1/hook")]
    [InlineData("http://192.168.1.10/hook")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://[::1]/hook")]
    [InlineData("http://[fd00::1]/hook")]
    [InlineData("http://[::ffff:10.0.0.1]/hook")]
    [InlineData("http://0.0.0.0/hook")]
    public async Task a_webhook_to_a_loopback_link_local_or_private_address_is_refused(string url)
    {
        var caseId = await OpenCase();

        var problem = await RefusedSubscription(new { kind = "case", targetId = caseId, webhookUrl = url, secret = "0123456789abcdef0123" }, 400);

        ErrorFields(problem).ShouldBe(["webhookUrl"]);
        problem["errors"]!["webhookUrl"]![0]!.ToString().ShouldContain("public addresses only");
    }

    [Fact]
    public async Task a_webhook_to_a_public_address_is_accepted_and_a_secret_is_made_when_none_is_given()
    {
        var caseId = await OpenCase();

        var result = await Post("/api/subscriptions", new { kind = "case", targetId = caseId, webhookUrl = "https://93.184.215.14/hook" }, 201);

        var subscribed = Read<Subscribed>(result);
        subscribed.Secret.ShouldNotBeNull().Length.ShouldBe(64);
        (await GetAs<SubscriptionView>($"/api/subscriptions/{subscribed.SubscriptionId}", "test-user")).WebhookUrl.ShouldBe("https://93.184.215.14/hook");
        (await Host.Scenario(x =>
        {
            x.Get.Url($"/api/subscriptions/{subscribed.SubscriptionId}");
            x.WithBearerToken(Fixture.TokenFor(Roles.Officer));
        })).ReadAsText().ShouldNotContain(subscribed.Secret, Case.Sensitive, "the secret is answered once, when it is made");
    }
}
