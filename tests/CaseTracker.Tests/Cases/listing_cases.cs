using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Storage;
using CaseTracker.Tests.Support;
using Npgsql;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Cases;

public class listing_cases(AppFixture fixture) : IntegrationContext(fixture)
{
    [Fact]
    public async Task newest_first_by_the_instant_opened_not_by_the_clock_time_written()
    {
        // 08:00 in Beijing is midnight UTC; 01:00 in London an hour later. Compared as text, the
        // Beijing case would come first.
        var beijing = await OpenCaseAt("2024-03-01T08:00:00+08:00");
        var london = await OpenCaseAt("2024-03-01T01:00:00+00:00");

        var listed = await AllListed();

        listed.IndexOf(london).ShouldBeLessThan(listed.IndexOf(beijing));
        listed.ShouldContain(beijing);
    }

    [Fact]
    public async Task no_index_of_the_case_table_reads_the_document()
    {
        // Each command rewrites its case's document; an index over the JSON would make every rewrite
        // re-evaluate it and add an entry to every index (no HOT update). docs/benchmarks.md.
        await using var connection = new NpgsqlConnection(Fixture.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select indexdef from pg_indexes where schemaname = @schema and tablename = 'mt_doc_caseheader'", connection);
        command.Parameters.AddWithValue("schema", StoreConfiguration.Schema);
        var indexes = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync()) indexes.Add(reader.GetString(0));
        }

        indexes.Count.ShouldBe(5, string.Join("\n", indexes));
        indexes.ShouldAllBe(x => !x.Contains("data"));
        indexes.ShouldContain(x => x.Contains("UNIQUE") && x.Contains("(reference)"));
    }

    private async Task<Guid> OpenCaseAt(string openedAt)
    {
        var result = await Post("/api/cases", Commands.OpenCase(NewReference()).With("openedAt", openedAt), 201);
        return Read<CommandAccepted>(result).CaseId;
    }

    /// <summary>Every case on every page, in the order listed.</summary>
    private async Task<List<Guid>> AllListed(string filter = "")
    {
        var listed = new List<Guid>();
        for (var page = 1; ; page++)
        {
            var answer = await GetJson<CasePage>($"/api/cases?{filter}&page={page}&pageSize=200", Roles.Auditor);
            listed.AddRange(answer.Items.Select(x => x.CaseId));
            if (listed.Count >= answer.Total || answer.Items.Count == 0) return listed;
        }
    }
}
