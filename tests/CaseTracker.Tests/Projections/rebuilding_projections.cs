using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Defendants;
using CaseTracker.Api.Notifications;
using CaseTracker.Api.Exhibits;
using CaseTracker.Api.Privacy;
using CaseTracker.Api.Stats;
using CaseTracker.Api.Storage;
using CaseTracker.Tests.Support;
using Marten;
using Marten.Events;
using Marten.Events.Archiving;
using Microsoft.Extensions.DependencyInjection;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Projections;

[CollectionDefinition(Name)]
public sealed class RebuildCollection : ICollectionFixture<AppFixture>
{
    public const string Name = "rebuild";
}

/// <summary>Its own database: thousands of events, and rebuilds that must not meet other tests' writes.</summary>
[Collection(RebuildCollection.Name)]
public class rebuilding_projections(AppFixture fixture)
{
    private static readonly string[] Tables =
    [
        "mt_doc_caseheader", "mt_doc_casedetailsentry", "mt_doc_defendantprofile", "mt_doc_defendantnames", "mt_doc_dashboardstats", "mt_doc_case", "mt_doc_caseentry",
        "mt_doc_exhibit", "mt_doc_exhibitdetails", "mt_doc_feedentry", "mt_doc_personrecord", "mt_doc_subjectorder",
        "mt_doc_mergedperson", "mt_doc_peoplecount", "mt_doc_countedperson", "mt_doc_restrictedcasetotals",
    ];

    [Fact]
    public async Task a_rebuild_from_the_events_gives_every_document_exactly_as_built_live()
    {
        var corpus = new Corpus(seed: 20171, cases: 220);
        var token = fixture.TokenFor(Roles.Officer, "corpus", "Xingtai PSB");
        using var client = fixture.Host.Server.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);

        async Task<CommandAccepted> Send(string route, object body)
        {
            var response = await client.PostAsJsonAsync(route, body);
            response.EnsureSuccessStatusCode();
            return (await response.Content.ReadFromJsonAsync<CommandAccepted>(IntegrationContext.Json))!;
        }

        var people = new List<Guid>();
        await Parallel.ForAsync(0, corpus.Cases, new ParallelOptions { MaxDegreeOfParallelism = 6 },
            async (i, _) => await corpus.OpenAndIdentify(i, async body => (await Send("/api/cases", body)).CaseId, Send, people));
        var plans = corpus.Plan([.. people.Order()]);
        await Parallel.ForEachAsync(plans, new ParallelOptions { MaxDegreeOfParallelism = 6 }, async (plan, _) => await corpus.Develop(plan, Send));

        // Court orders: the sealed read as they are, the expunged as their order left them, whose
        // keys are gone, so a rebuild can only read [expunged] where the order rewrote the documents.
        using var admin = fixture.Host.Server.CreateClient();
        admin.DefaultRequestHeaders.Authorization = new("Bearer", fixture.TokenFor(Roles.Admin, "records"));
        foreach (var (person, order, body) in new (Guid, string, object)[]
                 {
                     (people[0], "expungement", Commands.Expungement()), (people[7], "expungement", Commands.Expungement()),
                     (people[3], "sealing", Commands.Sealing()), (people[11], "sealing", Commands.Sealing()), (people[8], "sealing", Commands.Sealing()),
                     (people[8], "expungement", Commands.Expungement()), (people[11], "sealing/lifting", Commands.Lifting()),
                 })
        {
            (await admin.PostAsJsonAsync($"/api/defendants/{person}/{order}", body)).EnsureSuccessStatusCode();
        }

        // Merges, one reversed and one person merged again after a reversal: the merge read model and
        // the survivors' records are rebuilt from them.
        foreach (var (survivor, merged, reverse) in new[] { (30, 31, false), (32, 33, true), (34, 35, false), (32, 33, false), (34, 36, true) })
        {
            var response = await admin.PostAsJsonAsync($"/api/defendants/{people[survivor]}/merges",
                new { mergedDefendantId = people[merged], reason = "Same person", mergedAt = "2019-03-01T09:00:00+08:00" });
            response.EnsureSuccessStatusCode();
            if (!reverse) continue;
            var mergeId = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["mergeId"]!.GetValue<Guid>();
            (await admin.PostAsJsonAsync($"/api/defendants/{people[survivor]}/merges/{mergeId}/reversal",
                new { reason = "Not the same person", reversedAt = "2019-04-01T09:00:00+08:00" })).EnsureSuccessStatusCode();
        }

        // The closed cases and disposed exhibits leave for the archived partition: a rebuild must
        // read their events all the same (docs/archiving.md).
        var archived = await fixture.Host.Services.GetRequiredService<ClosedStreamArchive>().RunAsync(0, 25, CancellationToken.None);
        archived.Cases.ShouldBeGreaterThan(10);
        archived.Exhibits.ShouldBeGreaterThan(10);

        await using (var session = fixture.Store.QuerySession())
        {
            (await session.Query<MergedPerson>().CountAsync()).ShouldBe(3);
            var events = await session.Events.QueryAllRawEvents().Where(x => x.MaybeArchived()).CountAsync();
            events.ShouldBeGreaterThanOrEqualTo(5000);
        }

        await fixture.Host.WaitForNonStaleProjectionDataAsync(TimeSpan.FromMinutes(5));
        var live = await Documents();
        await using (var session = fixture.Store.QuerySession())
        {
            // The kept count of people is what counting the profiles from scratch gives.
            var fresh = await session.QueryAsync<long>(
                $"select count(*) from {StoreConfiguration.Schema}.mt_doc_defendantprofile d where {PersonMerges.NotMerged(fixture.Store)}");
            (await session.LoadAsync<PeopleCount>(PeopleCount.All))!.People.ShouldBe(fresh.Single());

            // Each restricted case's kept totals are what folding the case from its events gives.
            var restricted = await session.Query<CaseHeader>().Where(x => x.Restricted).Select(x => x.CaseId).ToListAsync();
            restricted.Count.ShouldBeGreaterThan(10);
            var kept = (await session.Query<RestrictedCaseTotals>().ToListAsync()).ToDictionary(x => x.Id);
            kept.Keys.ShouldBe(restricted, ignoreOrder: true);
            foreach (var caseId in restricted)
            {
                var folded = await DashboardStatsProjection.ContributionAsync(session, caseId, null, CancellationToken.None);
                // Compared as JSON objects: a total that went to zero and back sits elsewhere in its dictionary.
                JsonNode.DeepEquals(JsonSerializer.SerializeToNode(kept[caseId].Totals), JsonSerializer.SerializeToNode(folded)).ShouldBeTrue($"case {caseId}");
            }
        }
        await using (var session = fixture.Store.QuerySession())
        {
            await EveryCaseReadsAsItsFold(await session.Query<CaseHeader>().Select(x => x.CaseId).ToListAsync());
            var exhibits = await session.Query<ExhibitDetails>().Select(x => x.ExhibitId).ToListAsync();
            exhibits.Count.ShouldBeGreaterThan(200);
            await EveryExhibitReadsAsItsFold(exhibits);
        }

        // Damage every read model, so that only a real rebuild from the events can pass.
        await Execute($"delete from {StoreConfiguration.Schema}.mt_doc_defendantprofile; " +
                      $"update {StoreConfiguration.Schema}.mt_doc_defendantnames set data = jsonb_set(data, '{{text}}', '\"damaged\"'); " +
                      $"update {StoreConfiguration.Schema}.mt_doc_dashboardstats set data = '{{}}'; " +
                      $"update {StoreConfiguration.Schema}.mt_doc_peoplecount set data = jsonb_set(data, '{{people}}', '0'); " +
                      $"update {StoreConfiguration.Schema}.mt_doc_countedperson set data = jsonb_set(data, '{{merged}}', 'true'); " +
                      $"update {StoreConfiguration.Schema}.mt_doc_restrictedcasetotals set data = jsonb_set(data, '{{totals}}', '{{}}'); " +
                      $"update {StoreConfiguration.Schema}.mt_doc_caseheader set data = jsonb_set(data, '{{title}}', '\"damaged\"'); " +
                      $"delete from {StoreConfiguration.Schema}.mt_doc_casedetailsentry where (data ->> 'version')::bigint % 3 = 0; " +
                      $"update {StoreConfiguration.Schema}.mt_doc_case set data = jsonb_set(data, '{{isClosed}}', 'true'); " +
                      $"update {StoreConfiguration.Schema}.mt_doc_caseentry set data = jsonb_set(data, '{{retracted}}', 'true'); " +
                      $"delete from {StoreConfiguration.Schema}.mt_doc_feedentry where sequence % 2 = 0; " +
                      $"update {StoreConfiguration.Schema}.mt_doc_feedentry set data = jsonb_set(data, '{{summary}}', '\"damaged\"'); " +
                      $"update {StoreConfiguration.Schema}.mt_doc_exhibit set data = jsonb_set(data, '{{custodian}}', '\"nobody\"'); " +
                      $"delete from {StoreConfiguration.Schema}.mt_doc_exhibitdetails where (data ->> 'version')::bigint % 2 = 0; " +
                      $"update {StoreConfiguration.Schema}.mt_doc_exhibitdetails set data = jsonb_set(data, '{{status}}', '\"at-lab\"'); " +
                      $"delete from {StoreConfiguration.Schema}.mt_doc_subjectorder; " +
                      $"update {StoreConfiguration.Schema}.mt_doc_personrecord set data = jsonb_set(data, '{{sealed}}', 'false'); " +
                      $"update {StoreConfiguration.Schema}.mt_doc_personrecord set data = jsonb_set(data, '{{merges}}', '[]'); " +
                      $"delete from {StoreConfiguration.Schema}.mt_doc_mergedperson where id = (select id from {StoreConfiguration.Schema}.mt_doc_mergedperson order by id limit 1);");

        using var daemon = await fixture.Store.BuildProjectionDaemonAsync();
        foreach (var projection in new[]
                 {
                     typeof(CaseHeaderProjection), typeof(CaseDetailsEntriesProjection), typeof(CaseEntriesProjection), typeof(DefendantProfileProjection),
                     typeof(DefendantNamesProjection),
                     typeof(DashboardStatsProjection), typeof(ExhibitProjection), typeof(ExhibitDetailsProjection), typeof(NotificationFeedProjection),
                     typeof(PersonRecordProjection), typeof(SubjectOrdersProjection), typeof(MergedPeopleProjection), typeof(PeopleCountProjection),
                     typeof(RestrictedCaseTotalsProjection),
                 })
        {
            await daemon.RebuildProjectionAsync(projection, TimeSpan.FromMinutes(5), CancellationToken.None);
        }

        await daemon.RebuildProjectionAsync<CaseTracker.Api.Cases.Case>(TimeSpan.FromMinutes(5), CancellationToken.None);

        var rebuilt = await Documents();
        foreach (var table in Tables)
        {
            rebuilt[table].Count.ShouldBe(live[table].Count, table);
            rebuilt[table].ShouldBe(live[table], $"{table} must be identical after a rebuild");
        }

        live["mt_doc_defendantprofile"].Count.ShouldBeGreaterThan(500);
        live["mt_doc_feedentry"].Count.ShouldBeGreaterThan(5000);
        live["mt_doc_defendantprofile"].Count(x => x.Contains("\"names\": [\"[expunged]\"]", StringComparison.Ordinal)).ShouldBe(3);
    }

    /// <summary>
    /// The case as stored (a header and a row per entry) and the case folded from its events up to
    /// its current version, from the first event and from a checkpoint, are the same JSON, byte for byte.
    /// </summary>
    private async Task EveryCaseReadsAsItsFold(IReadOnlyCollection<Guid> caseIds)
    {
        using var auditor = fixture.Host.Server.CreateClient();
        auditor.DefaultRequestHeaders.Authorization = new("Bearer", fixture.TokenFor(Roles.Auditor));
        foreach (var caseId in caseIds)
        {
            var stored = await auditor.GetStringAsync($"/api/cases/{caseId}");
            var version = JsonNode.Parse(stored)!["version"]!.GetValue<long>();
            var folded = await auditor.GetStringAsync($"/api/cases/{caseId}?version={version}");
            folded.ShouldBe(stored, $"case {caseId} at version {version}");
            // The first read left checkpoints of the fold (AppFixture.CheckpointEvery); the second starts from the latest.
            (await auditor.GetStringAsync($"/api/cases/{caseId}?version={version}")).ShouldBe(stored, $"case {caseId} at version {version}, from a checkpoint");
        }
    }

    /// <summary>The stored exhibit and the exhibit folded from its stream up to its version, byte for byte.</summary>
    private async Task EveryExhibitReadsAsItsFold(IReadOnlyCollection<Guid> exhibitIds)
    {
        using var auditor = fixture.Host.Server.CreateClient();
        auditor.DefaultRequestHeaders.Authorization = new("Bearer", fixture.TokenFor(Roles.Auditor));
        foreach (var exhibitId in exhibitIds)
        {
            var stored = await auditor.GetStringAsync($"/api/exhibits/{exhibitId}");
            var version = JsonNode.Parse(stored)!["version"]!.GetValue<long>();
            (await auditor.GetStringAsync($"/api/exhibits/{exhibitId}?version={version}")).ShouldBe(stored, $"exhibit {exhibitId} at version {version}");
        }
    }

    private async Task Execute(string sql)
    {
        await using var connection = new NpgsqlConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private Task<Dictionary<string, List<string>>> Documents() => AsyncProjections.DocumentsByTable(fixture.ConnectionString, Tables);
}
