using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Defendants;
using CaseTracker.Api.Stats;
using CaseTracker.Api.Storage;
using CaseTracker.Tests.Support;
using JasperFx.Events.Projections;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Projections;

/// <summary>
/// A start rebuilds a projection only when what built its documents changed (docs/projections.md,
/// "Deploying a changed projection"). Each start is a new host on the same database; what it did is
/// read from the fingerprints it stores, never from how long it took.
/// </summary>
public class starting_without_rebuilding
{
    /// <summary>Marten names event projections by their type, aggregations by their document.</summary>
    private static readonly string CaseDetailsEntries = typeof(CaseDetailsEntriesProjection).FullName!;


    [Fact]
    public async Task a_start_rebuilds_a_projection_once_when_its_version_or_code_changed_and_never_otherwise()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        Guid caseId;

        // An empty database: nothing to rebuild, every fingerprint recorded.
        await using (var first = await Start(database))
        {
            (await Fingerprints(first)).ShouldBe(Rebuilds(first, _ => 0));
            caseId = await RecordACase(first);
            await AsyncProjections.CaughtUp(database, TimeSpan.FromMinutes(1));
        }

        // The same code again: nothing is rebuilt, and the read models still answer.
        await using (var second = await Start(database))
        {
            (await Fingerprints(second)).ShouldBe(Rebuilds(second, _ => 0));
            (await Stats(second))["seizuresGrams"]!["fentanyl"]!.GetValue<decimal>().ShouldBe(11900m);
            (await Case(second, caseId))["seizures"]!.AsArray().Count.ShouldBe(1);
        }

        // A new version of the dashboard: rebuilt once into a table of its own, beside the old
        // version's, which a node still running the old code keeps reading.
        await using (var third = await Start(database, dashboardVersion: 2))
        {
            (await Fingerprints(third)).ShouldBe(Rebuilds(third, x => x == "DashboardStats" ? 1 : 0));
            (await Stats(third))["seizuresGrams"]!["fentanyl"]!.GetValue<decimal>().ShouldBe(11900m);
            (await Rows(database, "mt_doc_dashboardstats_2")).ShouldBe(1);
            (await Rows(database, "mt_doc_dashboardstats")).ShouldBe(1);
        }

        await using (var fourth = await Start(database, dashboardVersion: 2))
        {
            (await Fingerprints(fourth)).ShouldBe(Rebuilds(fourth, x => x == "DashboardStats" ? 1 : 0));
        }

        // Code that no longer matches what built the case's rows (as after a deployment that changed
        // the projection): that projection alone is rebuilt, from the events.
        await Execute(database,
            $"update {StoreConfiguration.Schema}.mt_doc_projectionfingerprint set data = jsonb_set(data, '{{code}}', '\"older code\"') where id = '{CaseDetailsEntries}'; " +
            $"delete from {StoreConfiguration.Schema}.mt_doc_casedetailsentry");
        await using (var fifth = await Start(database, dashboardVersion: 2))
        {
            (await Fingerprints(fifth)).ShouldBe(Rebuilds(fifth, x => x == "DashboardStats" || x == CaseDetailsEntries ? 1 : 0));
            (await Case(fifth, caseId))["seizures"]!.AsArray().Count.ShouldBe(1);
        }

        // A database left by a CaseTracker from before fingerprints: everything is rebuilt once.
        await Execute(database, $"delete from {StoreConfiguration.Schema}.mt_doc_projectionfingerprint");
        await using (var sixth = await Start(database, dashboardVersion: 2))
        {
            (await Fingerprints(sixth)).ShouldBe(Rebuilds(sixth, _ => 1));
        }
    }

    [Fact]
    public async Task the_running_version_keeps_answering_while_a_new_version_of_a_projection_is_rebuilt_beside_it()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        await using var blue = await Start(database);
        var cases = new List<Guid>();
        for (var i = 0; i < 12; i++) cases.Add(await RecordACase(blue));
        await AsyncProjections.CaughtUp(database, TimeSpan.FromMinutes(1));
        var openCases = (await Stats(blue))["cases"]!["open"]!.GetValue<int>();

        // Commands and reads on blue, from before green starts until after it serves: a deployment's traffic.
        using var officer = Client(blue, Roles.Officer);
        using var analyst = Client(blue, Roles.Analyst);
        var answers = new List<string>();
        using var stop = new CancellationTokenSource();
        var traffic = Task.Run(async () =>
        {
            for (var turn = 0; !stop.IsCancellationRequested || turn < 3; turn++)
            {
                var caseId = cases[turn % cases.Count];
                var tip = await officer.PostAsJsonAsync($"/api/cases/{caseId}/tips", Commands.Tip());
                var stats = await analyst.GetAsync("/api/stats");
                var open = stats.IsSuccessStatusCode ? JsonNode.Parse(await stats.Content.ReadAsStringAsync())!["cases"]!["open"]!.GetValue<int>() : -1;
                var read = await officer.GetAsync($"/api/cases/{caseId}");
                lock (answers) answers.Add($"tip {(int)tip.StatusCode / 100}xx, stats {(int)stats.StatusCode} with {open} open, case {(int)read.StatusCode}");
            }
        });

        // Green: the dashboard at version 2, rebuilt into a table of its own at start while blue serves.
        await using (var green = await Start(database, dashboardVersion: 2))
        {
            (await Fingerprints(green)).ShouldContain("DashboardStats: 1");
            await stop.CancelAsync();
            await traffic;

            answers.ShouldNotBeEmpty();
            answers.ShouldAllBe(x => x == $"tip 2xx, stats 200 with {openCases} open, case 200");
            await Eventually.Holds(async () => (await Stats(green)).ToJsonString() == (await Stats(blue)).ToJsonString(),
                "green's dashboard, rebuilt beside blue's, to reach the same totals");
            (await Rows(database, "mt_doc_dashboardstats")).ShouldBe(1);
            (await Rows(database, "mt_doc_dashboardstats_2")).ShouldBe(1);
        }
    }

    [Fact]
    public void a_projection_s_code_identity_covers_the_helpers_it_calls_and_nothing_it_does_not_reach()
    {
        var entries = CodeIdentity.Describe(typeof(CaseDetailsEntriesProjection));
        entries.ShouldContain("CaseTracker.Api.Cases.CaseDetailsEntry::CaseTracker.Api.Cases.CaseDetailsEntry For(");
        // Reached through ICaseEntryEvent.Entry, an interface member: every implementation counts.
        entries.ShouldContain("CaseTracker.Api.Cases.SentenceCommuted::CaseTracker.Api.Cases.EntryFacts CaseTracker.Api.Cases.ICaseEntryEvent.get_Entry()");
        entries.ShouldNotContain("GetCaseEndpoint");
        CodeIdentity.Describe(typeof(DashboardStatsProjection)).ShouldNotContain("DefendantProfileProjection");

        CodeIdentity.Of(typeof(CaseDetailsEntriesProjection)).ShouldBe(CodeIdentity.Of(typeof(CaseDetailsEntriesProjection)));
        CodeIdentity.Of(typeof(CaseDetailsEntriesProjection)).ShouldNotBe(CodeIdentity.Of(typeof(CaseHeaderProjection)));
        CodeIdentity.Of(typeof(DefendantProfileProjection)).ShouldNotBe(CodeIdentity.Of(typeof(DashboardStatsProjection)));
    }

    private static async Task<OnDatabase> Start(string database, uint dashboardVersion = 1)
    {
        var host = new OnDatabase(database, dashboardVersion);
        await host.InitializeAsync();
        return host;
    }

    /// <summary>Every projection the host registers, each with how many starts should have rebuilt it.</summary>
    private static string[] Rebuilds(AppFixture host, Func<string, int> expected) =>
        [.. ProjectionFingerprints.Current(host.Store, DateTimeOffset.UtcNow).Keys.Select(x => $"{x}: {expected(x)}").Order(StringComparer.Ordinal)];

    /// <summary>Each projection's name and how many starts rebuilt it.</summary>
    private static async Task<string[]> Fingerprints(AppFixture host)
    {
        await using var session = host.Store.QuerySession();
        var stored = await session.Query<ProjectionFingerprint>().ToListAsync();
        var current = ProjectionFingerprints.Current(host.Store, DateTimeOffset.UtcNow);
        stored.ShouldAllBe(x => current[x.Id].Matches(x), "every stored fingerprint is the running code's");
        return [.. stored.Select(x => $"{x.Id}: {x.Rebuilds}").Order(StringComparer.Ordinal)];
    }

    private static async Task<Guid> RecordACase(AppFixture host)
    {
        using var officer = Client(host, Roles.Officer);
        var opened = await officer.PostAsJsonAsync("/api/cases", Commands.OpenCase($"FP-{Guid.NewGuid():N}"[..20]));
        opened.EnsureSuccessStatusCode();
        var caseId = (await opened.Content.ReadFromJsonAsync<CommandAccepted>(IntegrationContext.Json))!.CaseId;
        (await officer.PostAsJsonAsync($"/api/cases/{caseId}/seizures", Commands.Seizure())).EnsureSuccessStatusCode();
        (await officer.PostAsJsonAsync($"/api/cases/{caseId}/defendants", new { name = "Liu Yong", occurredAt = Commands.At })).EnsureSuccessStatusCode();
        return caseId;
    }

    private static async Task<JsonNode> Stats(AppFixture host)
    {
        using var analyst = Client(host, Roles.Analyst);
        return JsonNode.Parse(await analyst.GetStringAsync("/api/stats"))!;
    }

    private static async Task<JsonNode> Case(AppFixture host, Guid caseId)
    {
        using var officer = Client(host, Roles.Officer);
        return JsonNode.Parse(await officer.GetStringAsync($"/api/cases/{caseId}"))!;
    }

    private static HttpClient Client(AppFixture host, string role)
    {
        var client = host.Host.Server.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", host.TokenFor(role, agency: "Xingtai PSB"));
        return client;
    }

    private static async Task<long> Rows(string database, string table)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"select count(*) from {StoreConfiguration.Schema}.{table}", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task Execute(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The application on a database an earlier host used, optionally with a new version of the dashboard.</summary>
    private sealed class OnDatabase(string database, uint dashboardVersion) : AppFixture, IAsyncDisposable
    {
        protected override Task<string> CreateDatabaseAsync() => Task.FromResult(database);

        protected override void ConfigureServices(IServiceCollection services)
        {
            if (dashboardVersion == 1) return;
            services.ConfigureMarten(opts =>
                ((ProjectionBase)opts.Projections.All.Single(x => x.ImplementationType == typeof(DashboardStatsProjection))).Version = dashboardVersion);
        }

        ValueTask IAsyncDisposable.DisposeAsync() => new(DisposeAsync());
    }
}
