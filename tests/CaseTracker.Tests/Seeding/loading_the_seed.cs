using System.Net.Http.Headers;
using System.Text.Json;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Exhibits;
using CaseTracker.Api.Seeding;
using CaseTracker.Api.Stats;
using CaseTracker.Tests.Support;
using Marten;
using Marten.Events;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Seeding;

[CollectionDefinition(Name)]
public sealed class SeedCollection : ICollectionFixture<AppFixture>
{
    public const string Name = "seed";
}

/// <summary>Its own database: the article's figures are asserted as absolute totals.</summary>
[Collection(SeedCollection.Name)]
public class loading_the_seed(AppFixture fixture)
{
    private static string SeedPath([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", "seeds", "xingtai-fentanyl.json"));

    [Fact]
    public async Task the_xingtai_seed_carries_the_articles_figures_and_a_second_load_appends_nothing()
    {
        var seed = SeedFile.Load(SeedPath());
        using var client = fixture.Host.Server.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", fixture.TokenFor(Roles.Officer, SeedCommand.User, seed.Agency));

        var first = await SeedLoader.Load(client, seed, "xingtai-fentanyl.json");
        var second = await SeedLoader.Load(client, seed, "xingtai-fentanyl.json");

        first.ShouldBe(seed.Steps.Count);
        second.ShouldBe(0);
        await using (var session = fixture.Store.QuerySession())
        {
            (await session.Events.QueryAllRawEvents().CountAsync()).ShouldBe(seed.Steps.Count);
        }

        await fixture.Host.WaitForNonStaleProjectionDataAsync(TimeSpan.FromMinutes(3));
        var stats = await Get<StatsView>("/api/stats");
        stats.SeizuresGrams["fentanyl"].ShouldBe(11900m);
        stats.SeizuresGrams["other drugs"].ShouldBe(19100m);
        stats.Sentences.ShouldBe(new Dictionary<string, int> { ["death-with-reprieve"] = 1, ["life"] = 2, ["fixed-term"] = 6 }, ignoreOrder: true);
        stats.Arrests.ShouldBeGreaterThan(20);
        stats.Referrals.SubjectsIdentified.ShouldBeGreaterThanOrEqualTo(50);
        stats.Referrals.InvestigationsOpened.ShouldBeGreaterThanOrEqualTo(25);
        stats.Referrals.Arrests.ShouldBe(3);
        stats.Referrals.Indictments.ShouldBe(3);
        stats.TipsByAgency.ShouldBe(new Dictionary<string, int> { ["US Department of Homeland Security"] = 1 });
        stats.Cases.Open.ShouldBe(3, "the Xingtai case and the two other networks pursued on US intelligence");
        stats.SeizuresConfirmedGrams.ShouldBe(new Dictionary<string, decimal> { ["fentanyl"] = 11890.1m });
        stats.Exhibits.ShouldBe(new ExhibitFigures(InCustody: 2, AtLab: 0, InCourt: 0, Disposed: 0, Discrepancies: 0));

        var page = await Get<CasePage>("/api/cases?reference=XT-2017-001");
        var xingtai = await Get<CaseDetails>($"/api/cases/{page.Items.Single().CaseId}");
        xingtai.Sentences.Where(s => s.Kind == "fixed-term").Select(s => s.TermMonths!.Value)
            .ShouldAllBe(months => months >= 6 && months <= 120);
        xingtai.Sentences.Where(s => s.Kind == "fixed-term").Select(s => s.TermMonths).ShouldContain(6);
        xingtai.Sentences.Where(s => s.Kind == "fixed-term").Select(s => s.TermMonths).ShouldContain(120);
        xingtai.Defendants.Where(d => d.Status == "sentenced").Select(d => d.Name)
            .ShouldContain(n => n == "Liu Yong" || n == "Jiang Juhua" || n == "Wang Fengxi");
        xingtai.Defendants.Count(d => d.Status == "sentenced").ShouldBe(9);
        xingtai.Charges.Count(c => c.Offence == "Manufacturing and trafficking illicit drugs").ShouldBe(2);
        xingtai.Tips.Single().SubjectAlias.ShouldBe("Diana");
        xingtai.Links.Count.ShouldBe(2);
        xingtai.Referrals.Single().Outcomes.Single().Jurisdictions.ShouldBe(["New York", "Oregon"]);
        var fentanyl = xingtai.Seizures.Single(s => s.Substance == "fentanyl");
        fentanyl.ExhibitIds!.Count.ShouldBe(2);
        fentanyl.ConfirmedTotals.ShouldBe(new Dictionary<string, decimal> { ["fentanyl"] = 11890.1m });
        var exhibit = await Get<ExhibitDetails>("/api/exhibits?seal=xt-s-0001");
        exhibit.Custody.Select(c => c.Purpose).ShouldBe(["lab-analysis", "return"]);
        exhibit.Custody.ShouldAllBe(c => c.RecordedBy == SeedCommand.User);
    }

    private async Task<T> Get<T>(string url)
    {
        var result = await fixture.Host.Scenario(x =>
        {
            x.Get.Url(url);
            x.WithBearerToken(fixture.TokenFor(Roles.Analyst));
        });
        return JsonSerializer.Deserialize<T>(await result.ReadAsTextAsync(), IntegrationContext.Json)!;
    }
}
