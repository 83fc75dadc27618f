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
