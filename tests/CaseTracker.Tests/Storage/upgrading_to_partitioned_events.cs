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
        await WriteAsync(connectionString, CaseId);
        return connectionString;
    }

    /// <summary>Another such database, that no CaseTracker of this build has touched yet.</summary>
    public static async Task<string> CreateAsync(Guid caseId)
    {
        var connectionString = await PostgresServer.CreateDatabaseAsync();
        await WriteAsync(connectionString, caseId);
        return connectionString;
    }

    private static async Task WriteAsync(string connectionString, Guid caseId)
    {
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
        session.Events.StartStream<Api.Cases.Case>(caseId,
            new CaseOpened(caseId, $"OLD-{caseId:N}"[..24], "Written before partitioning", "Test Agency", "Hebei, CN", [], at),
            new DrugsSeized(Guid.NewGuid(), "fentanyl", 1.5m, "kg", at, "Xingtai", null));
        await session.SaveChangesAsync();
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
        (await Scalar(Fixture.ConnectionString, EventTableKind)).ShouldBe("p", "the start converted the event table into a partitioned one");

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

    /// <summary>The maintenance window docs/archiving.md describes: the API stopped, db-apply, then the API.</summary>
    [Fact]
    public async Task db_apply_converts_a_store_from_before_partitioning_whole()
    {
        var caseId = Guid.CreateVersion7();
        var store = await UnpartitionedStoreFixture.CreateAsync(caseId);

        var (exitCode, _, errors) = await ApiProcess.Run(Verb(store), "db-apply");

        exitCode.ShouldBe(0, errors);
        (await Scalar(store, EventTableKind)).ShouldBe("p");
        (await Scalar(store, NextSequence)).ShouldBe(3L, "the sequence continues after the two events stored before");
        await using (var connection = new NpgsqlConnection(store))
        {
            await connection.OpenAsync();
            await using var rewrite = new NpgsqlCommand($"update {StoreConfiguration.Schema}.mt_events set data = data where stream_id = @id", connection);
            rewrite.Parameters.AddWithValue("id", caseId);
            (await Should.ThrowAsync<PostgresException>(() => rewrite.ExecuteNonQueryAsync())).MessageText
                .ShouldContain("CaseTracker events are immutable", customMessage: "the guard is on the converted tables");
        }

        await AppendsContinueAndEveryChainVerifies(store, caseId);
    }

    /// <summary>A verb that serves for a moment, and appends: its start converts the store.</summary>
    [Fact]
    public async Task seed_converts_a_store_from_before_partitioning_and_appends_after_its_last_event()
    {
        var caseId = Guid.CreateVersion7();
        var store = await UnpartitionedStoreFixture.CreateAsync(caseId);

        await AppendsContinueAndEveryChainVerifies(store, caseId);
    }

    /// <summary>
    /// A verb that neither applies the schema nor starts: Marten converts the tables on its first read
    /// of the events (AutoCreate), which is where a store used to lose its sequence until the API started.
    /// </summary>
    [Fact]
    public async Task a_verb_that_reads_the_events_converts_a_store_from_before_partitioning_and_keeps_its_sequence()
    {
        var caseId = Guid.CreateVersion7();
        var store = await UnpartitionedStoreFixture.CreateAsync(caseId);

        var (exitCode, output, errors) = await ApiProcess.Run(Verb(store), "audit", "verify");

        exitCode.ShouldBe(0, errors);
        output.ShouldContain("1 streams checked (cases, exhibits and person records), 0 invalid");
        (await Scalar(store, EventTableKind)).ShouldBe("p");
        (await Scalar(store, NextSequence)).ShouldBe(3L);
        await AppendsContinueAndEveryChainVerifies(store, caseId);
    }

    private const string EventTableKind = $"select relkind::text from pg_class where oid = '{StoreConfiguration.Schema}.mt_events'::regclass";

    /// <summary>What the next append will be numbered, without taking the number.</summary>
    private const string NextSequence =
        $"select case when is_called then last_value + 1 else last_value end from {StoreConfiguration.Schema}.mt_events_sequence";

    /// <summary>
    /// The seed appended through the API's own command path: every new event numbered after the two
    /// stored before the upgrade, none twice, the old case left as it was; then every chain verifies.
    /// </summary>
    private async Task AppendsContinueAndEveryChainVerifies(string store, Guid oldCase)
    {
        var (exitCode, _, errors) = await ApiProcess.Run(Verb(store), "seed", "--path", Path.Combine(Repository.Root(), "seeds"));
        exitCode.ShouldBe(0, errors);

        await using (var connection = new NpgsqlConnection(store))
        {
            await connection.OpenAsync();
            await using var numbers = new NpgsqlCommand(
                $"select stream_id = @id, seq_id from {StoreConfiguration.Schema}.mt_events order by seq_id", connection);
            numbers.Parameters.AddWithValue("id", oldCase);
            var (old, appended) = (new List<long>(), new List<long>());
            await using var reader = await numbers.ExecuteReaderAsync();
            while (await reader.ReadAsync()) (reader.GetBoolean(0) ? old : appended).Add(reader.GetInt64(1));
            old.ShouldBe([1L, 2L]);
            appended.ShouldNotBeEmpty();
            appended[0].ShouldBe(3L, "the first append after the upgrade follows the last event stored before it");
            appended.ShouldBeUnique();
        }

        var (verified, output, verifyErrors) = await ApiProcess.Run(Verb(store), "audit", "verify");
        verified.ShouldBe(0, verifyErrors);
        output.ShouldMatch(@"\d+ streams checked \(cases, exhibits and person records\), 0 invalid");
    }

    private Dictionary<string, string?> Verb(string store) => ApiProcess.ServerEnvironment(Fixture, store);

    private static async Task<object?> Scalar(string store, string sql)
    {
        await using var connection = new NpgsqlConnection(store);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
