using Xunit;

namespace CaseTracker.Tests.Support;

/// <summary>
/// The application with webhooks allowed to loopback (where the test receiver listens), retries a
/// fraction of a second apart instead of minutes, and a live stream that polls and keeps alive
/// quickly, so the tests of notifications take seconds.
/// </summary>
public class NotificationsFixture : AppFixture
{
    public WebhookReceiver Receiver { get; } = new();

    /// <summary>Three retries, 0.2 s then 0.4 s then 0.8 s after each failure.</summary>
    public const int Retries = 3;

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(base.Settings)
    {
        ["Webhooks:AllowPrivateNetworks"] = "true",
        ["Webhooks:FirstRetrySeconds"] = "0.2",
        ["Webhooks:Retries"] = Retries.ToString(),
        ["Cluster:DurabilityPollingSeconds"] = "0.1",
        ["Notifications:PollMilliseconds"] = "50",
        ["Notifications:KeepAliveSeconds"] = "0.3",
    };

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Receiver.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class NotificationsCollection : ICollectionFixture<NotificationsFixture>
{
    public const string Name = "notifications";
}
