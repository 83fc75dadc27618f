using Xunit;

namespace CaseTracker.Tests.Support;

/// <summary>The application publishing to a RabbitMQ broker of the test's own (<see cref="RabbitMqBroker"/>).</summary>
public sealed class BrokerFixture : AppFixture
{
    public RabbitMqBroker Broker { get; private set; } = null!;

    protected override bool ExternalTransports => true;

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(base.Settings)
    {
        ["RabbitMQ:Uri"] = Broker.Uri.ToString(),
        // Outbox rows the broker could not take are looked at again this often.
        ["Cluster:DurabilityPollingSeconds"] = "0.5",
    };

    public override async Task InitializeAsync()
    {
        Broker = await RabbitMqBroker.Start();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Broker.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class BrokerCollection : ICollectionFixture<BrokerFixture>
{
    public const string Name = "broker";
}
