using CaseTracker.Api.Storage;
using CaseTracker.Tests.Support;
using Npgsql;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Storage;

public class connection_tuning(AppFixture fixture) : IntegrationContext(fixture)
{
    [Fact]
    public void statements_are_prepared_and_documents_compressed_with_lz4_unless_the_connection_string_says_otherwise()
    {
        var tuned = new NpgsqlConnectionStringBuilder(StoreConfiguration.Tuned("Host=db;Database=casetracker"));
        tuned.MaxAutoPrepare.ShouldBe(64);
        tuned.AutoPrepareMinUsages.ShouldBe(2);
        tuned.Options.ShouldBe("-c default_toast_compression=lz4");

        var own = new NpgsqlConnectionStringBuilder(StoreConfiguration.Tuned(
            "Host=db;Database=casetracker;Max Auto Prepare=0;Options=-c default_toast_compression=pglz"));
        own.MaxAutoPrepare.ShouldBe(0);
        own.Options.ShouldBe("-c default_toast_compression=pglz");

        // What PgBouncer in transaction mode needs: no prepared statements and no startup options.
        var bare = new NpgsqlConnectionStringBuilder(StoreConfiguration.Tuned("Host=db;MaxAutoPrepare=0;Options="));
        bare.MaxAutoPrepare.ShouldBe(0);
        bare.Options.ShouldBeNullOrEmpty();
    }

    [Fact]
    public async Task a_write_model_large_enough_to_be_compressed_is_compressed_with_lz4()
    {
        var caseId = await OpenCase();
        for (var i = 0; i < 60; i++) await IdentifyDefendant(caseId, $"Person {i}");

        await using var connection = new NpgsqlConnection(Fixture.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"select pg_column_compression(data) from {StoreConfiguration.Schema}.mt_doc_case where id = @id", connection);
        command.Parameters.AddWithValue("id", caseId);

        (await command.ExecuteScalarAsync()).ShouldBe("lz4");
    }
}
