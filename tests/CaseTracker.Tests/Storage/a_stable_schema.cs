using CaseTracker.Api.Storage;
using CaseTracker.Tests.Support;
using Npgsql;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Storage;

public class a_stable_schema(AppFixture fixture) : IntegrationContext(fixture)
{
    /// <summary>
    /// A start that finds something changed rewrites it, and Weasel replaces a function by dropping
    /// it with CASCADE: a guard function that never compared equal would drop its triggers on every
    /// restart. The schema one start leaves must be exactly the schema the next expects.
    /// </summary>
    [Fact]
    public async Task the_schema_a_start_leaves_is_the_schema_the_next_start_expects()
    {
        await Fixture.Store.Storage.Database.AssertDatabaseMatchesConfigurationAsync();

        await using var connection = new NpgsqlConnection(Fixture.ConnectionString);
        await connection.OpenAsync();
        await using var triggers = new NpgsqlCommand(
            $"""
             select count(*) from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
             where n.nspname = '{StoreConfiguration.Schema}' and t.tgname like 'ct\_%' and c.relname in ('mt_events', 'mt_streams')
             """, connection);
        // On the two tables themselves: UPDATE, DELETE, archived INSERT and TRUNCATE of events; archived INSERT, UPDATE, DELETE and TRUNCATE of streams.
        (await triggers.ExecuteScalarAsync()).ShouldBe(8L);
    }
}
