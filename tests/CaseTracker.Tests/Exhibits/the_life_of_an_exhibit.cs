using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Exhibits;
using CaseTracker.Tests.Support;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Exhibits;

/// <summary>An exhibit from its seizure to its disposal, through the API, and what its case shows of it.</summary>
public class the_life_of_an_exhibit(AppFixture fixture) : IntegrationContext(fixture)
{
    private Task<ExhibitDetails> GetExhibit(Guid exhibitId, string role = Roles.Officer, string query = "") =>
        GetJson<ExhibitDetails>($"/api/exhibits/{exhibitId}{query}", role);

    [Fact]
    public async Task an_exhibit_goes_from_the_store_to_the_laboratory_to_court_and_is_disposed_of()
    {
        var caseId = await OpenCase();
        var seizure = await RecordSeizure(caseId);
        var seal = $"XT-S-{Guid.NewGuid():N}"[..16];
        var caseVersion = await StreamVersion(caseId);

        var exhibitId = await LogExhibit(caseId, Commands.Exhibit(seizure, "XT-1/1", seal.ToLowerInvariant(), 1012.5m));
        (await StreamVersion(caseId)).ShouldBe(caseVersion, "the exhibit is a stream of its own; the case does not move");

        var toLab = await Accepted($"/api/exhibits/{exhibitId}/transfers",
            Commands.Transfer(Commands.EvidenceStore, Commands.Laboratory, "lab-analysis", "2018-08-10T09:00:00+08:00", observedGrossGrams: 1012.1m)
                .With("location", "Shijiazhuang"));
        (toLab.CaseId, toLab.Version, toLab.Created!.Value.Name, toLab.EntryId).ShouldBe((caseId, 2, "exhibitId", exhibitId));
        (await GetExhibit(exhibitId)).Status.ShouldBe("at-lab");

        await Accepted($"/api/exhibits/{exhibitId}/lab-results", Commands.LabResult(998.2m, "Fentanyl"));
        await Accepted($"/api/exhibits/{exhibitId}/transfers",
            Commands.Transfer(Commands.Laboratory, Commands.EvidenceStore, "return", "2018-08-21T09:00:00+08:00"));
        await Accepted($"/api/exhibits/{exhibitId}/transfers",
            Commands.Transfer(Commands.EvidenceStore, "Xingtai Intermediate People's Court", "court", "2019-10-30T09:00:00+08:00"));
        (await GetExhibit(exhibitId)).Status.ShouldBe("in-court");
        await Accepted($"/api/exhibits/{exhibitId}/transfers",
            Commands.Transfer("xingtai intermediate people's court", Commands.EvidenceStore, "return", "2019-11-08T09:00:00+08:00"));
        var disposed = await Accepted($"/api/exhibits/{exhibitId}/disposal", Commands.Disposal());
        disposed.Version.ShouldBe(7);

        var exhibit = await GetExhibit(exhibitId);
        exhibit.ExhibitId.ShouldBe(exhibitId);
        exhibit.CaseId.ShouldBe(caseId);
        exhibit.SeizureId.ShouldBe(seizure);
        exhibit.SealNumber.ShouldBe(seal.ToUpperInvariant(), "seal numbers are kept upper-cased");
        exhibit.GrossGrams.ShouldBe(1012.5m);
        exhibit.Status.ShouldBe("disposed");
        exhibit.Version.ShouldBe(7);
        exhibit.Custodian.ShouldBe(Commands.EvidenceStore);
        exhibit.Custody.Select(c => (c.From, c.To, c.Purpose)).ShouldBe([
            (Commands.EvidenceStore, Commands.Laboratory, "lab-analysis"),
            (Commands.Laboratory, Commands.EvidenceStore, "return"),
            (Commands.EvidenceStore, "Xingtai Intermediate People's Court", "court"),
            ("Xingtai Intermediate People's Court", Commands.EvidenceStore, "return"),
        ]);
        exhibit.Custody.ShouldAllBe(c => c.RecordedBy == "test-user" && c.SealIntact);
        exhibit.Custody[0].ObservedGrossGrams.ShouldBe(1012.1m);
        exhibit.Discrepancies.ShouldBeEmpty("0.4 g is within both tolerances");
        exhibit.LabResults.Single().Methods.ShouldBe(["GC-MS", "FTIR"]);
        exhibit.Confirmed.ShouldBe(new ConfirmedAmount("fentanyl", 998.2m));
        exhibit.Disposal!.Method.ShouldBe("destroyed");
        exhibit.Disposal.Witnesses.ShouldBe(["Officer Zhang", "Prosecutor Li"]);

        var details = await GetCase(caseId, Roles.Analyst);
        var shown = details.Seizures.Single();
        shown.ExhibitIds.ShouldBe([exhibitId]);
        shown.ConfirmedTotals.ShouldBe(new Dictionary<string, decimal> { ["fentanyl"] = 998.2m });
        (await GetJson<ExhibitDetails[]>($"/api/cases/{caseId}/exhibits")).Select(x => x.ExhibitId).ShouldBe([exhibitId]);
        (await GetJson<ExhibitDetails>($"/api/exhibits?seal={seal.ToLowerInvariant()}")).ExhibitId.ShouldBe(exhibitId);
    }

    [Fact]
    public async Task the_latest_lab_result_is_what_the_seizure_counts_as_confirmed()
    {
        var caseId = await OpenCase();
        var seizure = await RecordSeizure(caseId);
        var other = await RecordSeizure(caseId, 2, "kg", "heroin");
        var first = await LogExhibit(caseId, Commands.Exhibit(seizure, "XT-1/1"));
        var second = await LogExhibit(caseId, Commands.Exhibit(seizure, "XT-1/2"));
        var third = await LogExhibit(caseId, Commands.Exhibit(other, "XT-2/1"));

        await Accepted($"/api/exhibits/{first}/lab-results", Commands.LabResult(990m, "Fentanyl", "2018-09-01T10:00:00+08:00"));
        // A second opinion reported later supersedes; one recorded later but dated earlier does not.
        await Accepted($"/api/exhibits/{first}/lab-results", Commands.LabResult(995.5m, "fentanyl", "2018-09-10T10:00:00+08:00"));
        await Accepted($"/api/exhibits/{first}/lab-results", Commands.LabResult(100m, "caffeine", "2018-08-30T10:00:00+08:00"));
        await Accepted($"/api/exhibits/{second}/lab-results", Commands.LabResult(400m, "Carfentanil"));
        await Accepted($"/api/exhibits/{third}/lab-results", Commands.LabResult(1500m, "Heroin"));

        var seizures = (await GetCase(caseId)).Seizures;
        var fentanyl = seizures.Single(s => s.SeizureId == seizure);
        fentanyl.ExhibitIds.ShouldBe([first, second]);
        fentanyl.ConfirmedTotals.ShouldBe(new Dictionary<string, decimal> { ["fentanyl"] = 995.5m, ["carfentanil"] = 400m }, ignoreOrder: true);
        seizures.Single(s => s.SeizureId == other).ConfirmedTotals.ShouldBe(new Dictionary<string, decimal> { ["heroin"] = 1500m });
    }

    [Fact]
    public async Task an_exhibit_command_takes_if_match_on_the_exhibit_and_an_idempotency_key()
    {
        var caseId = await OpenCase();
        var exhibitId = await LogExhibit(caseId, Commands.Exhibit(await RecordSeizure(caseId)));
        var read = await Host.Scenario(x =>
        {
            x.Get.Url($"/api/exhibits/{exhibitId}");
            x.WithBearerToken(Fixture.TokenFor(Roles.Officer));
        });
        read.Context.Response.Headers.ETag.ToString().ShouldBe("\"1\"");

        var transfer = Commands.Transfer(Commands.EvidenceStore, Commands.Laboratory, "lab-analysis", "2018-08-10T09:00:00+08:00");
        var problem = await Refused($"/api/exhibits/{exhibitId}/transfers", transfer, 412, exhibitId, more: x => x.WithRequestHeader("If-Match", "\"3\""));
        problem["title"]!.GetValue<string>().ShouldBe("The exhibit has moved on");
        problem["currentVersion"]!.GetValue<long>().ShouldBe(1);

        var first = await Accepted($"/api/exhibits/{exhibitId}/transfers", transfer, x =>
        {
            x.WithRequestHeader("If-Match", "\"1\"");
            x.WithRequestHeader("Idempotency-Key", $"transfer-{exhibitId}");
        });
        var replay = await Post($"/api/exhibits/{exhibitId}/transfers", transfer, 200, more: x => x.WithRequestHeader("Idempotency-Key", $"transfer-{exhibitId}"));

        Read<CommandAccepted>(replay).ShouldBe(first);
        replay.Context.Response.Headers["Idempotent-Replayed"].ToString().ShouldBe("true");
        (await StreamVersion(exhibitId)).ShouldBe(2);
    }

    [Fact]
    public async Task logging_replayed_with_its_key_answers_the_first_answer_and_logs_nothing()
    {
        var caseId = await OpenCase();
        var body = Commands.Exhibit(await RecordSeizure(caseId));
        void Keyed(Alba.Scenario x) => x.WithRequestHeader("Idempotency-Key", $"log-{caseId}");

        var exhibitId = await LogExhibit(caseId, body, Keyed);
        var replay = await Post($"/api/cases/{caseId}/exhibits", body, 201, more: Keyed);

        Read<CommandAccepted>(replay).EntryId.ShouldBe(exhibitId);
        replay.Context.Response.Headers.Location.ToString().ShouldBe($"/api/exhibits/{exhibitId}");
        (await GetJson<ExhibitDetails[]>($"/api/cases/{caseId}/exhibits")).Length.ShouldBe(1);
    }

    [Fact]
    public async Task a_closed_case_keeps_moving_its_exhibits_but_logs_no_new_one()
    {
        var caseId = await OpenCase();
        var seizure = await RecordSeizure(caseId);
        var exhibitId = await LogExhibit(caseId, Commands.Exhibit(seizure));
        await Accepted($"/api/cases/{caseId}/closure", Commands.Closure());

        await Refused($"/api/cases/{caseId}/exhibits", Commands.Exhibit(seizure, "XT-1/2"), 409, caseId);
        await Accepted($"/api/exhibits/{exhibitId}/disposal", Commands.Disposal());
        (await GetExhibit(exhibitId)).Status.ShouldBe("disposed");
    }
}
