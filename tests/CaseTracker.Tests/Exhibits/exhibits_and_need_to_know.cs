using System.Text.Json.Nodes;
using Alba;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Exhibits;
using CaseTracker.Api.Stats;
using CaseTracker.Tests.Support;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Exhibits;

/// <summary>
/// Exhibits follow their case's restriction: to other agencies an exhibit of a restricted case
/// does not exist, in reads, seal searches, commands and totals, from the moment the case is
/// restricted.
/// </summary>
public class exhibits_and_need_to_know(AppFixture fixture) : IntegrationContext(fixture)
{
    // Commands.OpenCase names Xingtai PSB as lead and US DHS as partner.
    private const string Lead = "Xingtai PSB";
    private const string Foreign = "Another Bureau";

    private void Leader(Scenario x) => x.WithBearerToken(Fixture.TokenFor(Roles.Officer, "lead-officer", Lead));

    private void Foreigner(Scenario x) => x.WithBearerToken(Fixture.TokenFor(Roles.Officer, "foreign-officer", Foreign));

    private async Task<(Guid CaseId, Guid ExhibitId, string Seal)> CaseWithAnExhibit(string substance, Func<Task>? beforeLogging = null)
    {
        var caseId = await OpenCase();
        var seizure = await RecordSeizure(caseId, 3, "kg", substance);
        if (beforeLogging is not null) await beforeLogging();
        var body = Commands.Exhibit(seizure);
        var exhibitId = await LogExhibit(caseId, body);
        await Accepted($"/api/exhibits/{exhibitId}/transfers", Commands.Transfer(
            Commands.EvidenceStore, Commands.Laboratory, "lab-analysis", "2018-08-10T09:00:00+08:00", sealIntact: false));
        await Accepted($"/api/exhibits/{exhibitId}/lab-results", Commands.LabResult(2500m, substance));
        return (caseId, exhibitId, (string)body["sealNumber"]!);
    }

    private Task Restrict(Guid caseId) => Accepted($"/api/cases/{caseId}/restriction", new { reason = "Informant protection" }, Leader);

    private async Task<IScenarioResult> Read(string url, Action<Scenario> who, int status) =>
        await Host.Scenario(x => { x.Get.Url(url); who(x); x.StatusCodeShouldBe(status); });

    [Fact]
    public async Task an_exhibit_disappears_for_other_agencies_when_its_case_is_restricted_later()
    {
        var substance = $"restricted-{Guid.NewGuid():N}"[..20];
        var (caseId, exhibitId, seal) = await CaseWithAnExhibit(substance);
        await Read($"/api/exhibits/{exhibitId}", Foreigner, 200);
        await Read($"/api/exhibits?seal={seal}", Foreigner, 200);

        await Restrict(caseId);

        await Read($"/api/exhibits/{exhibitId}", Foreigner, 404);
        await Read($"/api/exhibits?seal={seal}", Foreigner, 404);
        await Read($"/api/cases/{caseId}/exhibits", Foreigner, 404);
        await Read($"/api/exhibits/{exhibitId}", Leader, 200);
        await Read($"/api/cases/{caseId}/exhibits", Leader, 200);
        await GetJson<ExhibitDetails>($"/api/exhibits/{exhibitId}", Roles.Auditor, agency: Foreign);
    }

    [Fact]
    public async Task a_hidden_exhibit_answers_every_command_and_read_like_an_unknown_one()
    {
        var (caseId, exhibitId, _) = await CaseWithAnExhibit("heroin");
        await Restrict(caseId);
        var unknown = Guid.NewGuid();
        var probes = new (string Route, object Body)[]
        {
            ("transfers", Commands.Transfer(Commands.Laboratory, Commands.EvidenceStore, "return", "2018-09-01T09:00:00+08:00")),
            ("lab-results", Commands.LabResult()),
            ("disposal", Commands.Disposal()),
        };

        foreach (var (route, body) in probes)
        {
            var hidden = await Refused($"/api/exhibits/{exhibitId}/{route}", body, 404, exhibitId, more: Foreigner);
            var missing = await Refused($"/api/exhibits/{unknown}/{route}", body, 404, null, more: Foreigner);
            Comparable(hidden, exhibitId).ShouldBe(Comparable(missing, unknown), route);
        }

        var read = Problem(await Read($"/api/exhibits/{exhibitId}", Foreigner, 404));
        var readMissing = Problem(await Read($"/api/exhibits/{unknown}", Foreigner, 404));
        Comparable(read, exhibitId).ShouldBe(Comparable(readMissing, unknown));

        // The case's own agencies carry on.
        await Accepted($"/api/exhibits/{exhibitId}/transfers", probes[0].Body, Leader);
    }

    [Fact]
    public async Task a_seal_on_a_hidden_exhibit_is_refused_without_saying_where_it_is()
    {
        var (caseId, exhibitId, seal) = await CaseWithAnExhibit("cocaine");
        await Restrict(caseId);
        var own = await OpenCase();
        var seizure = await RecordSeizure(own);

        var problem = await Refused($"/api/cases/{own}/exhibits", Commands.Exhibit(seizure, "XT-1/1", seal), 409, own, more: Foreigner);

        var detail = problem["detail"]!.GetValue<string>();
        detail.ShouldBe($"Seal number {seal.ToUpperInvariant()} is already in use; a seal is used once.");
        detail.ShouldNotContain(exhibitId.ToString());
    }

    [Fact]
    public async Task exhibits_of_a_restricted_case_count_in_the_totals_only_for_those_who_may_see_them()
    {
        var substance = $"hidden-{Guid.NewGuid():N}"[..16];
        StatsView foreignBefore = null!, leadBefore = null!;
        var (caseId, _, _) = await CaseWithAnExhibit(substance, async () =>
        {
            await ProjectionsCaughtUp();
            foreignBefore = await GetJson<StatsView>("/api/stats", Roles.Analyst, agency: Foreign);
            leadBefore = await GetJson<StatsView>("/api/stats", Roles.Analyst, agency: Lead);
        });
        var visible = await GetJson<StatsView>("/api/stats", Roles.Analyst, agency: Foreign);
        visible.SeizuresConfirmedGrams[substance].ShouldBe(2500m);
        (visible.Exhibits.AtLab - foreignBefore.Exhibits.AtLab).ShouldBe(1);
        (visible.Exhibits.Discrepancies - foreignBefore.Exhibits.Discrepancies).ShouldBe(1);

        await Restrict(caseId);
        await ProjectionsCaughtUp();

        var foreignAfter = await GetJson<StatsView>("/api/stats", Roles.Analyst, agency: Foreign);
        foreignAfter.SeizuresConfirmedGrams.ShouldNotContainKey(substance);
        foreignAfter.Exhibits.ShouldBe(foreignBefore.Exhibits);
        var leadAfter = await GetJson<StatsView>("/api/stats", Roles.Analyst, agency: Lead);
        leadAfter.SeizuresConfirmedGrams[substance].ShouldBe(2500m);
        (leadAfter.Exhibits.AtLab - leadBefore.Exhibits.AtLab).ShouldBe(1);
        (await GetJson<StatsView>("/api/stats", Roles.Auditor, agency: Foreign)).SeizuresConfirmedGrams[substance].ShouldBe(2500m);
    }

    private static JsonObject Problem(IScenarioResult result) => JsonNode.Parse(result.ReadAsText())!.AsObject();

    /// <summary>A problem as a caller compares two answers: everything but the trace id, the id asked about blanked.</summary>
    private static string Comparable(JsonObject problem, Guid asked)
    {
        var copy = problem.DeepClone().AsObject();
        copy.Remove("traceId");
        return copy.ToJsonString().Replace(asked.ToString(), "{id}", StringComparison.Ordinal);
    }
}
