using CaseTracker.Api.Audit;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Privacy;
using CaseTracker.Api.Storage;
using CaseTracker.Tests.Support;
using Marten;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Npgsql;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Storage;

/// <summary>
/// A database written by a CaseTracker from before archived-stream partitioning: one case of two
/// events, stored with the same seal and encryption, in unpartitioned event tables. The host then
/// starts on it, as an upgraded deployment would.
/// </summary>
public sealed class UnpartitionedStoreFixture : AppFixture
{
    public static readonly Guid CaseId = Guid.CreateVersion7();

    protected override async Task<string> CreateDatabaseAsync()
    {
        var connectionString = await base.CreateDatabaseAsync();
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Audit:Key"] = AuditKey, ["Privacy:MasterKey"] = MasterKey })
            .Build();
        var environment = new HostingEnvironment { EnvironmentName = "Testing" };
        var options = new StoreOptions().ConfigureCaseTracker(connectionString,
            new EventSeal(Api.Audit.AuditKey.From(configuration, environment), TimeProvider.System),
            new PersonalKeys(Api.Privacy.MasterKey.From(configuration, environment)));
        options.Events.UseArchivedStreamPartitioning = false;
        options.Events.EnableStrictStreamIdentityEnforcement = false;

        using var store = new DocumentStore(options);
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        await using var session = store.LightweightSession();
        session.LastModifiedBy = "before-the-upgrade";
        session.SetHeader("role", Roles.Officer);
        session.SetHeader("agency", "Test Agency");
        var at = DateTimeOffset.Parse("2018-08-01T06:00:00+08:00");
        session.Events.StartStream<Api.Cases.Case>(CaseId,
            new CaseOpened(CaseId, $"OLD-{CaseId:N}"[..24], "Written before partitioning", "Test Agency", "Hebei, CN", [], at),
            new DrugsSeized(Guid.NewGuid(), "fentanyl", 1.5m, "kg", at, "Xingtai", null));
        await session.SaveChangesAsync();
        return connectionString;
    }
}

[CollectionDefinition(Name)]
public sealed class UpgradeCollection : ICollectionFixture<UnpartitionedStoreFixture>
{
    public const string Name = "upgrade";
}

[Collection(UpgradeCollection.Name)]
public class upgrading_to_partitioned_events(UnpartitionedStoreFixture fixture) : IntegrationContext(fixture)
{
    [Fact]
    public async Task a_store_from_before_partitioning_is_converted_at_start_and_takes_commands_where_it_left_off()
    {
        await using (var connection = new NpgsqlConnection(Fixture.ConnectionString))
        {
            await connection.OpenAsync();
            await using var kind = new NpgsqlCommand(
                $"select relkind::text from pg_class where oid = '{StoreConfiguration.Schema}.mt_events'::regclass", connection);
            (await kind.ExecuteScalarAsync()).ShouldBe("p", "the start converted the event table into a partitioned one");
        }

        var caseId = UnpartitionedStoreFixture.CaseId;
        (await StreamVersion(caseId)).ShouldBe(2);
        (await Accepted($"/api/cases/{caseId}/tips", Commands.Tip())).Version.ShouldBe(3);
        var other = await OpenCase();
        await Accepted($"/api/cases/{other}/tips", Commands.Tip());

        var history = await GetJson<HistoryEntry[]>($"/api/cases/{caseId}/events", Roles.Auditor);
        history.Select(x => x.Sequence).ShouldBeUnique();
        history.Select(x => x.Version).ShouldBe([1L, 2L, 3L]);
        history[0].Actor.User.ShouldBe("before-the-upgrade");
        (await GetJson<IntegrityReport>($"/api/cases/{caseId}/integrity", Roles.Auditor)).Valid.ShouldBeTrue();
        (await GetCase(caseId)).Version.ShouldBe(3);
    }
}
