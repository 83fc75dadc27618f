using System.Net.Http.Headers;
using Alba;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Exports;
using CaseTracker.Client;
using CaseTracker.Tests.Support;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Operations;

/// <summary>
/// The README's tour played through the client NSwag generates from the committed description:
/// if the description mis-states a route, a body or an answer, the typed calls fail here.
/// </summary>
public class generated_client_tour(AppFixture fixture) : IntegrationContext(fixture)
{
    private CaseTrackerClient ClientFor(string role, string user, string agency)
    {
        var http = Host.Server.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Fixture.TokenFor(role, user, agency));
        return new CaseTrackerClient(http);
    }

    [Fact]
    public async Task an_officer_records_an_arrest_and_an_auditor_checks_the_history()
    {
        var officer = ClientFor(Roles.Officer, "alice", "Xingtai PSB");
        var reference = NewReference();

        var opened = await officer.OpenCaseAsync(null, new OpenCase
        {
            Reference = reference,
            Title = "Courier network",
            LeadAgency = "Xingtai PSB",
            Jurisdiction = "Hebei, CN",
            OpenedAt = DateTimeOffset.Parse("2019-03-01T09:00:00+08:00"),
        });
        opened.Version.ShouldBe(1);
        var caseId = opened.CaseId;

        var suspect = (await officer.IdentifyDefendantAsync(caseId, null, null, new IdentifyDefendant { Name = "unnamed suspect 22", Role = "courier" }))
            .DefendantId!.Value;

        var arrest = new RecordArrest
        {
            DefendantId = suspect,
            ArrestedAt = DateTimeOffset.Parse("2018-08-02T07:30:00+08:00"),
            Place = "Xingtai",
            Agency = "Xingtai PSB",
        };
        var arrested = await officer.RecordArrestAsync(caseId, $"arrest-{suspect}", "\"2\"", arrest);
        arrested.Version.ShouldBe(3);
        (await officer.RecordArrestAsync(caseId, $"arrest-{suspect}", null, arrest)).ArrestId.ShouldBe(arrested.ArrestId, "the same Idempotency-Key answers the first answer again");

        var details = await officer.GetCaseAsync(caseId, null, null, null, null);
        details.Reference.ShouldBe(reference);
        details.Defendants!.Last().Status.ShouldBe("arrested");
        details.Arrests!.Single().ArrestId.ShouldBe(arrested.ArrestId!.Value);

        var auditor = ClientFor(Roles.Auditor, "audrey", "Inspectorate");
        var history = await auditor.CaseHistoryAsync(caseId, 1, null);
        history.Select(x => x.Type).ShouldBe(["CaseOpened", "DefendantIdentified", "ArrestMade"]);
        history.Last().Actor.User.ShouldBe("alice");

        var integrity = await auditor.CaseIntegrityAsync(caseId);
        integrity.Valid.ShouldBeTrue();
        integrity.Events.ShouldBe(3);

        using var export = await auditor.ExportCaseAsync(caseId);
        using var exported = new MemoryStream();
        await export.Stream.CopyToAsync(exported);
        var verdict = ExportVerifier.Verify(exported.ToArray(), await Host.GetAsText("/.well-known/casetracker-export-key"));
        (verdict.Valid, verdict.Events, verdict.CaseId).ShouldBe((true, 3, caseId), verdict.Reason);
    }

    [Fact]
    public async Task an_officer_logs_and_transfers_an_exhibit_and_an_auditor_reads_its_chain()
    {
        var officer = ClientFor(Roles.Officer, "alice", "Xingtai PSB");
        var caseId = (await officer.OpenCaseAsync(null, new OpenCase
        {
            Reference = NewReference(), Title = "Courier network", LeadAgency = "Xingtai PSB", Jurisdiction = "Hebei, CN",
            OpenedAt = DateTimeOffset.Parse("2019-03-01T09:00:00+08:00"),
        })).CaseId;
        var seizure = (await officer.RecordSeizureAsync(caseId, null, null, new RecordSeizure
        {
            Substance = "fentanyl", Quantity = 2.5, Unit = "kg", SeizedAt = DateTimeOffset.Parse("2019-03-02T06:00:00+08:00"), Place = "Xingtai",
        })).SeizureId!.Value;
        var seal = $"XT-S-{Guid.NewGuid():N}"[..16];

        var logged = await officer.LogExhibitAsync(caseId, null, null, new LogExhibit
        {
            SeizureId = seizure, ExhibitNumber = "XT-2019-007/1", SealNumber = seal, Description = "Two bags of white powder",
            GrossGrams = 2530.5, LoggedAt = DateTimeOffset.Parse("2019-03-02T10:00:00+08:00"), Custodian = "Xingtai PSB evidence store",
            Location = "Evidence room",
        });
        (logged.CaseId, logged.Version).ShouldBe((caseId, 1L));
        var exhibitId = logged.ExhibitId!.Value;

        var transferred = await officer.TransferCustodyAsync(exhibitId, $"to-lab-{exhibitId}", "\"1\"", new TransferCustody
        {
            From = "Xingtai PSB evidence store", To = "Hebei Provincial Forensic Laboratory", Purpose = "lab-analysis",
            TransferredAt = DateTimeOffset.Parse("2019-03-04T09:00:00+08:00"), SealIntact = true, ObservedGrossGrams = 2530.2,
        });
        transferred.Version.ShouldBe(2);
        (await officer.FindExhibitBySealAsync(seal)).Status.ShouldBe("at-lab");

        var auditor = ClientFor(Roles.Auditor, "audrey", "Inspectorate");
        var chain = await auditor.ExhibitHistoryAsync(exhibitId, null, null);
        chain.Select(x => x.Type).ShouldBe(["ExhibitLogged", "CustodyTransferred"]);
        chain.Last().Actor.User.ShouldBe("alice");
        var integrity = await auditor.ExhibitIntegrityAsync(exhibitId);
        (integrity.Valid, integrity.Events, integrity.CaseId, integrity.ExhibitId).ShouldBe((true, 2, caseId, exhibitId));
        (await auditor.GetExhibitAsync(exhibitId, 1, null, null)).Status.ShouldBe("in-custody");
    }

    [Fact]
    public async Task a_refusal_reaches_the_client_as_its_documented_problem()
    {
        var analyst = ClientFor(Roles.Analyst, "ana", "Narcotics Control Commission");
        var refused = await Should.ThrowAsync<ApiException<ProblemDetails>>(() =>
            analyst.OpenCaseAsync(null, new OpenCase { Reference = NewReference(), Title = "t", LeadAgency = "a", Jurisdiction = "j", OpenedAt = DateTimeOffset.UtcNow }));
        refused.StatusCode.ShouldBe(403);

        var officer = ClientFor(Roles.Officer, "alice", "Xingtai PSB");
        var invalid = await Should.ThrowAsync<ApiException<ValidationProblemDetails>>(() => officer.OpenCaseAsync(null, new OpenCase()));
        invalid.Result.Errors!.Keys.ShouldBe(["reference", "title", "leadAgency", "jurisdiction", "openedAt"], ignoreOrder: true);
    }
}
