using CaseTracker.Api.Auth;
using CaseTracker.Api.Exhibits;
using CaseTracker.Tests.Support;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Exhibits;

/// <summary>Every rule of an exhibit command: 4xx problem+json that names the rule, and the exhibit's stream (or the case's) unmoved.</summary>
public class refusing_exhibit_commands(AppFixture fixture) : IntegrationContext(fixture)
{
    private async Task<(Guid CaseId, Guid SeizureId, Guid ExhibitId)> Exhibit()
    {
        var caseId = await OpenCase();
        var seizure = await RecordSeizure(caseId);
        return (caseId, seizure, await LogExhibit(caseId, Commands.Exhibit(seizure)));
    }

    private static Dictionary<string, object?> ToLab(string at = "2018-08-10T09:00:00+08:00") =>
        Commands.Transfer(Commands.EvidenceStore, Commands.Laboratory, "lab-analysis", at);

    public static TheoryData<string, string, object?> ShapeErrors => new()
    {
        // route, field, bad value (null = missing)
        { "exhibits", "seizureId", null },
        { "exhibits", "exhibitNumber", " " },
        { "exhibits", "sealNumber", null },
        { "exhibits", "grossGrams", 0 },
        { "exhibits", "grossGrams", null },
        { "exhibits", "loggedAt", "2999-01-01T00:00:00Z" },
        { "exhibits", "custodian", null },
        { "exhibits", "location", null },
        { "transfers", "from", null },
        { "transfers", "to", "" },
        { "transfers", "purpose", "safekeeping" },
        { "transfers", "transferredAt", null },
        { "transfers", "sealIntact", null },
        { "transfers", "observedGrossGrams", -3 },
        { "lab-results", "netGrams", 0 },
        { "lab-results", "substance", null },
        { "lab-results", "purityPercent", 101 },
        { "lab-results", "reportedAt", null },
        { "disposal", "method", "burnt" },
        { "disposal", "authority", null },
    };

    [Theory]
    [MemberData(nameof(ShapeErrors))]
    public async Task a_command_with_a_bad_field_is_refused_with_that_field_named(string route, string field, object? value)
    {
        var (caseId, seizure, exhibitId) = await Exhibit();
        var (url, valid, stream) = route switch
        {
            "exhibits" => ($"/api/cases/{caseId}/exhibits", Commands.Exhibit(seizure, "XT-1/2"), caseId),
            "transfers" => ($"/api/exhibits/{exhibitId}/transfers", ToLab(), exhibitId),
            "lab-results" => ($"/api/exhibits/{exhibitId}/lab-results", Commands.LabResult(), exhibitId),
            "disposal" => ($"/api/exhibits/{exhibitId}/disposal", Commands.Disposal(), exhibitId),
            _ => throw new ArgumentOutOfRangeException(nameof(route)),
        };

        var problem = await Refused(url, value is null ? valid.Without(field) : valid.With(field, value), 400, stream);

        ErrorFields(problem).ShouldContain(field);
        (await GetJson<ExhibitDetails[]>($"/api/cases/{caseId}/exhibits")).Length.ShouldBe(1);
    }

    [Fact]
    public async Task custody_passes_only_from_whoever_holds_the_exhibit()
    {
        var (_, _, exhibitId) = await Exhibit();

        var problem = await Refused($"/api/exhibits/{exhibitId}/transfers",
            Commands.Transfer("Officer Wang", Commands.Laboratory, "lab-analysis", "2018-08-10T09:00:00+08:00"), 409, exhibitId);

        problem["detail"]!.GetValue<string>().ShouldBe(
            $"Exhibit XT-1/1 is held by {Commands.EvidenceStore}, not Officer Wang; custody passes only from whoever holds it.");
        problem["title"]!.GetValue<string>().ShouldBe("Conflict with the exhibit as recorded");
    }

    [Fact]
    public async Task custody_never_goes_back_in_time()
    {
        var (_, _, exhibitId) = await Exhibit();
        await Accepted($"/api/exhibits/{exhibitId}/transfers", ToLab("2018-08-10T09:00:00+08:00"));

        var back = Commands.Transfer(Commands.Laboratory, Commands.EvidenceStore, "return", "2018-08-10T08:59:00+08:00");
        var problem = await Refused($"/api/exhibits/{exhibitId}/transfers", back, 400, exhibitId);
        problem["errors"]!["transferredAt"]![0]!.GetValue<string>().ShouldContain("must not be before 2018-08-10T09:00:00.0000000+08:00");

        var beforeLogging = await Exhibit();
        await Refused($"/api/exhibits/{beforeLogging.ExhibitId}/transfers", ToLab("2018-08-01T08:00:00+08:00"), 400, beforeLogging.ExhibitId);
        await Refused($"/api/exhibits/{exhibitId}/disposal", Commands.Disposal("2018-08-09T00:00:00+08:00"), 400, exhibitId);

        // The same instant as the last hand-over is not going back.
        await Accepted($"/api/exhibits/{exhibitId}/transfers", back.With("transferredAt", "2018-08-10T01:00:00Z"));
    }

    [Fact]
    public async Task nothing_follows_a_disposal()
    {
        var (_, _, exhibitId) = await Exhibit();
        await Accepted($"/api/exhibits/{exhibitId}/disposal", Commands.Disposal());

        var problem = await Refused($"/api/exhibits/{exhibitId}/transfers",
            Commands.Transfer(Commands.EvidenceStore, Commands.Laboratory, "lab-analysis", "2020-03-02T09:00:00+08:00"), 409, exhibitId);
        problem["detail"]!.GetValue<string>().ShouldContain("disposed of");
        await Refused($"/api/exhibits/{exhibitId}/lab-results", Commands.LabResult(), 409, exhibitId);
        await Refused($"/api/exhibits/{exhibitId}/disposal", Commands.Disposal("2020-03-02T10:00:00+08:00"), 409, exhibitId);
    }

    [Fact]
    public async Task a_seal_number_is_used_once_across_every_case()
    {
        var (_, seizure, exhibitId) = await Exhibit();
        var seal = (await GetJson<ExhibitDetails>($"/api/exhibits/{exhibitId}")).SealNumber;
        var other = await OpenCase();
        var otherSeizure = await RecordSeizure(other);

        var problem = await Refused($"/api/cases/{other}/exhibits", Commands.Exhibit(otherSeizure, "XT-9/1", $" {seal.ToLowerInvariant()} "), 409, other);

        problem["detail"]!.GetValue<string>().ShouldBe($"Seal number {seal} is already on exhibit XT-1/1 ({exhibitId}); a seal is used once.");
        (await GetJson<ExhibitDetails[]>($"/api/cases/{other}/exhibits")).ShouldBeEmpty();
        seizure.ShouldNotBe(otherSeizure);
    }

    [Fact]
    public async Task of_two_racing_exhibits_with_one_seal_exactly_one_is_logged()
    {
        var seal = $"RACE-{Guid.NewGuid():N}"[..20];
        var cases = new List<(Guid CaseId, Guid SeizureId)>();
        for (var i = 0; i < 4; i++)
        {
            var caseId = await OpenCase();
            cases.Add((caseId, await RecordSeizure(caseId)));
        }

        var answers = await Task.WhenAll(cases.Select(c => Host.Scenario(x =>
        {
            x.Post.Json(Commands.Exhibit(c.SeizureId, "XT-1/1", seal)).ToUrl($"/api/cases/{c.CaseId}/exhibits");
            x.WithBearerToken(Fixture.TokenFor(Roles.Officer));
            // With If-Match too: a taken seal is no version of the case moving on.
            x.WithRequestHeader("If-Match", "\"2\"");
            x.IgnoreStatusCode();
        })));

        answers.Select(x => x.Context.Response.StatusCode).Order().ShouldBe([201, 409, 409, 409]);
        answers.Where(x => x.Context.Response.StatusCode == 409)
            .ShouldAllBe(x => x.ReadAsText().Contains($"Seal number {seal.ToUpperInvariant()} is already on exhibit"));
        var logged = 0;
        foreach (var (caseId, _) in cases) logged += (await GetJson<ExhibitDetails[]>($"/api/cases/{caseId}/exhibits")).Length;
        logged.ShouldBe(1);
    }

    [Fact]
    public async Task an_exhibit_number_is_used_once_in_its_case()
    {
        var (caseId, seizure, exhibitId) = await Exhibit();

        var problem = await Refused($"/api/cases/{caseId}/exhibits", Commands.Exhibit(seizure, " XT-1/1 "), 409, caseId);

        problem["detail"]!.GetValue<string>().ShouldBe($"Exhibit number XT-1/1 is already exhibit {exhibitId} of this case; choose another.");
        var other = await OpenCase();
        await LogExhibit(other, Commands.Exhibit(await RecordSeizure(other), "XT-1/1"));
    }

    [Fact]
    public async Task an_exhibit_comes_from_a_seizure_that_stands_in_its_case()
    {
        var caseId = await OpenCase();
        var retracted = await RecordSeizure(caseId);
        await Accepted($"/api/cases/{caseId}/retractions", Commands.Retraction(retracted));
        var tip = (await Accepted($"/api/cases/{caseId}/tips", Commands.Tip())).EntryId!.Value;
        var other = await OpenCase();
        var elsewhere = await RecordSeizure(other);

        (await Refused($"/api/cases/{caseId}/exhibits", Commands.Exhibit(retracted), 409, caseId))["detail"]!.GetValue<string>()
            .ShouldBe($"Seizure {retracted} was retracted; exhibits are logged from seizures that stand.");
        await Refused($"/api/cases/{caseId}/exhibits", Commands.Exhibit(tip), 404, caseId);
        await Refused($"/api/cases/{caseId}/exhibits", Commands.Exhibit(elsewhere), 404, caseId);
        await Refused($"/api/cases/{Guid.NewGuid()}/exhibits", Commands.Exhibit(elsewhere), 404, null);
    }

    [Fact]
    public async Task a_seizure_with_exhibits_not_disposed_of_cannot_be_retracted()
    {
        var (caseId, seizure, exhibitId) = await Exhibit();
        var second = await LogExhibit(caseId, Commands.Exhibit(seizure, "XT-1/2"));
        await Accepted($"/api/exhibits/{exhibitId}/disposal", Commands.Disposal());

        var problem = await Refused($"/api/cases/{caseId}/retractions", Commands.Retraction(seizure), 409, caseId);
        problem["detail"]!.GetValue<string>().ShouldBe($"Seizure {seizure} still has exhibits not disposed of (XT-1/2); their chain of custody needs it.");

        await Accepted($"/api/exhibits/{second}/disposal", Commands.Disposal());
        await Accepted($"/api/cases/{caseId}/retractions", Commands.Retraction(seizure));
        (await GetCase(caseId)).Seizures.ShouldBeEmpty();
        (await GetJson<ExhibitDetails[]>($"/api/cases/{caseId}/exhibits")).Length.ShouldBe(2, "the exhibits and their history stay");
    }

    [Fact]
    public async Task an_unknown_exhibit_or_a_case_id_on_an_exhibit_route_is_404()
    {
        var (caseId, _, _) = await Exhibit();
        var unknown = Guid.NewGuid();

        var missing = await Refused($"/api/exhibits/{unknown}/transfers", ToLab(), 404, unknown);
        missing["detail"]!.GetValue<string>().ShouldBe($"No exhibit {unknown}.");
        await Refused($"/api/exhibits/{caseId}/lab-results", Commands.LabResult(), 404, caseId);
        await GetJson<object>($"/api/exhibits/{caseId}", Roles.Officer, 404);
        await GetJson<object>($"/api/exhibits/{unknown}", Roles.Officer, 404);
        await GetJson<object>("/api/exhibits?seal=NO-SUCH-SEAL", Roles.Officer, 404);
        await GetJson<object>("/api/exhibits", Roles.Officer, 400);
    }

    [Fact]
    public async Task a_malformed_if_match_is_refused_as_the_exhibits_version()
    {
        var (_, _, exhibitId) = await Exhibit();

        var problem = await Refused($"/api/exhibits/{exhibitId}/transfers", ToLab(), 400, exhibitId, more: x => x.WithRequestHeader("If-Match", "\"abc\""));

        problem["errors"]!["If-Match"]![0]!.GetValue<string>().ShouldBe("must be an exhibit version such as \"12\"");
    }
}
