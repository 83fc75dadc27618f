using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Notifications;
using Microsoft.Extensions.Configuration;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Notifications;

/// <summary>The rules of notifications that need no host: summaries, addresses, signatures, backoff.</summary>
public class notification_rules
{
    private static readonly DateTimeOffset At = DateTimeOffset.Parse("2018-08-01T06:00:00+08:00");

    public static TheoryData<string> CaseEventTypes => [.. typeof(ICaseEvent).Assembly.GetTypes()
        .Where(x => typeof(ICaseEvent).IsAssignableFrom(x) && x is { IsAbstract: false, IsInterface: false })
        .Select(x => x.Name)];

    [Theory]
    [MemberData(nameof(CaseEventTypes))]
    public void every_kind_of_fact_has_a_summary(string kind)
    {
        var type = typeof(ICaseEvent).Assembly.GetTypes().Single(x => x.Name == kind && typeof(ICaseEvent).IsAssignableFrom(x));

        Summaries.Of(RuntimeHelpers.GetUninitializedObject(type)).ShouldNotBeNullOrWhiteSpace();
    }

    [Fact]
    public void a_summary_names_no_person()
    {
        Summaries.Of(new DefendantIdentified(Guid.NewGuid(), "Liu Yong", ["Lao Liu"], "Chinese", "manager", At))
            .ShouldBe("Defendant identified (manager)");
        Summaries.Of(new TipReceived(Guid.NewGuid(), "US DHS", At, "Vendor selling online", "Diana", "email"))
            .ShouldNotContain("Diana");
    }

    [Theory]
    [InlineData("93.184.215.14", true)]
    [InlineData("8.8.8.8", true)]
    [InlineData("2606:2800:21f:cb07:6820:80da:af6b:8b2c", true)]
    [InlineData("127.0.0.1", false)]
    [InlineData("127.200.0.1", false)]
    [InlineData("10.0.0.1", false)]
    [InlineData("172.16.5.4", false)]
    [InlineData("172.31.255.255", false)]
    [InlineData("172.32.0.1", true)]
    [InlineData("192.168.0.1", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("100.64.0.1", false)]
    [InlineData("0.0.0.0", false)]
    [InlineData("224.0.0.1", false)]
    [InlineData("255.255.255.255", false)]
    [InlineData("::1", false)]
    [InlineData("::", false)]
    [InlineData("fe80::1", false)]
    [InlineData("fc00::1", false)]
    [InlineData("fd12:3456::1", false)]
    [InlineData("ff02::1", false)]
    [InlineData("::ffff:192.168.1.1", false)]
    [InlineData("::ffff:8.8.8.8", true)]
    public void only_public_addresses_receive_webhooks(string address, bool isPublic)
    {
        WebhookAddresses.IsPublic(IPAddress.Parse(address)).ShouldBe(isPublic);
    }

    [Fact]
    public void the_signature_is_the_hex_hmac_sha256_of_the_body()
    {
        WebhookSender.Signature(Encoding.UTF8.GetBytes("The quick brown fox jumps over the lazy dog"), "key")
            .ShouldBe("sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
    }

    [Fact]
    public void by_default_a_failing_webhook_is_retried_with_doubling_waits_for_more_than_ten_minutes()
    {
        var delays = WebhookSettings.From(new ConfigurationBuilder().Build()).RetryDelays;

        delays.Aggregate(TimeSpan.Zero, (sum, x) => sum + x).ShouldBeGreaterThan(TimeSpan.FromMinutes(10));
        delays.Zip(delays.Skip(1)).ShouldAllBe(x => x.Second == x.First * 2);
    }
}
