using System.Text;
using System.Text.Json.Nodes;
using Alba;
using CaseTracker.Api.Audit;
using CaseTracker.Api.Auth;
using CaseTracker.Tests.Support;
using Shouldly;
using UglyToad.PdfPig;
using Xunit;

namespace CaseTracker.Tests.Exports;

/// <summary>The prosecution case file, read back from the PDF as a court would read it.</summary>
public class case_file(AppFixture fixture) : IntegrationContext(fixture)
{
    private const string Lead = "Xingtai PSB";
    private const string Foreign = "Another Bureau";

    private async Task<byte[]> CaseFile(Guid caseId, string role = Roles.Officer, string agency = Lead)
    {
        var result = await Host.Scenario(x =>
        {
            x.Get.Url($"/api/cases/{caseId}/case-file.pdf");
            x.WithBearerToken(Fixture.TokenFor(role, $"{role}-of-{agency}", agency));
            x.ContentTypeShouldBe("application/pdf");
        });
        using var copy = new MemoryStream();
        await result.Context.Response.Body.CopyToAsync(copy);
        return copy.ToArray();
    }

    private static string Text(byte[] pdf)
    {
        using var document = PdfDocument.Open(pdf);
        return string.Concat(document.GetPages().Select(x => x.Text));
    }

    private static string Squeezed(string text) => string.Concat(text.Where(c => !char.IsWhiteSpace(c)));

    [Fact]
    public async Task the_case_file_shows_people_as_the_reader_may_read_them_in_the_summary_and_the_timeline()
    {
        var caseId = await OpenCase();
        var marker = Guid.NewGuid().ToString("N")[..8];
        var (sealedName, expungedName) = ($"Sealed{marker}", $"Expunged{marker}");
        var sealedPerson = (await Accepted($"/api/cases/{caseId}/defendants", new { name = sealedName, aliases = new[] { $"Alias{marker}" } })).EntryId!.Value;
        var expungedPerson = await IdentifyDefendant(caseId, expungedName);
        await Accepted($"/api/cases/{caseId}/tips", Commands.Tip().With("subjectAlias", $"alias{marker}"));
        await Post($"/api/defendants/{sealedPerson}/sealing", Commands.Sealing(), 200, Roles.Admin);
        await Post($"/api/defendants/{expungedPerson}/expungement", Commands.Expungement(), 200, Roles.Admin);

        var officers = Text(await CaseFile(caseId));
        officers.ShouldNotContain(marker, Case.Insensitive, "neither the sealed nor the expunged person is named to an officer");
        officers.ShouldContain(Api.Privacy.Withheld.Sealed);
        officers.ShouldContain(Api.Privacy.Withheld.Expunged);

        var auditors = Squeezed(Text(await CaseFile(caseId, Roles.Auditor)));
        auditors.ShouldContain(sealedName);
        auditors.ShouldContain($"alias{marker}");
        auditors.ShouldNotContain(expungedName);
    }

    [Fact]
    public async Task the_case_file_names_the_case_every_defendant_and_the_last_hash_in_embedded_fonts()
    {
        var reference = NewReference();
        var caseId = await OpenCase(reference);
        var liu = await IdentifyDefendant(caseId, "刘勇");
        var jiang = await IdentifyDefendant(caseId, "Jiang Juhua");
        var charge = (await Accepted($"/api/cases/{caseId}/charges", Commands.Charge(liu))).EntryId!.Value;
        await Accepted($"/api/cases/{caseId}/verdicts", Commands.Verdict(liu, charge));
        var sentence = (await Accepted($"/api/cases/{caseId}/sentences", Commands.Sentence(liu, "death-with-reprieve", null, 2))).EntryId!.Value;
        await Accepted($"/api/cases/{caseId}/sentences/{sentence}/commutations", Commands.Commutation());
        await Accepted($"/api/cases/{caseId}/seizures", Commands.Seizure(11.9m, "kg"));
        var arrest = await Accepted($"/api/cases/{caseId}/arrests", Commands.Arrest(jiang));
        await Accepted($"/api/cases/{caseId}/retractions", Commands.Retraction(arrest.EntryId!.Value).With("reason", "Arrest recorded against the wrong person"));
        var history = await GetJson<HistoryEntry[]>($"/api/cases/{caseId}/events", Roles.Auditor);

        var pdf = await CaseFile(caseId);

        // Lines are wrapped where the page ends them, so phrases are compared without whitespace.
        var text = Squeezed(Text(pdf));
        text.ShouldContain(reference);
        text.ShouldContain("刘勇");
        text.ShouldContain(Squeezed("Jiang Juhua"));
        text.ShouldContain(Squeezed("Manufacturing and trafficking of drugs"));
        text.ShouldContain(Squeezed("Commuted 2021-11-07 10:00 +08:00 from death-with-reprieve to life"));
        text.ShouldContain(Squeezed("Retracted"));
        text.ShouldContain(Squeezed("Arrest recorded against the wrong person"));
        text.ShouldContain(history[^1].Hash!);
        text.ShouldContain(Squeezed($"This file shows {history.Length} events"));
        text.ShouldContain(Squeezed($"The case's chain was recomputed when this file was produced: valid, {history.Length} events."));

        using var document = PdfDocument.Open(pdf);
        var fonts = document.GetPages().SelectMany(x => x.Letters).Select(x => x.FontName).Distinct().ToList();
        fonts.ShouldAllBe(x => x != null && x.Contains("WenQuanYi"), string.Join(", ", fonts));
        Encoding.Latin1.GetString(pdf).ShouldContain("/FontFile2", Case.Sensitive, "the font is embedded");
    }

    [Fact]
    public async Task the_statement_printed_in_the_case_file_verifies_with_the_public_key()
    {
        var caseId = await OpenCase();
        await IdentifyDefendant(caseId, "刘勇");
        var last = (await GetJson<HistoryEntry[]>($"/api/cases/{caseId}/events", Roles.Auditor))[^1];

        // Canonical JSON and base64 hold no whitespace, so the lines they were wrapped over join back exactly.
        var text = Squeezed(Text(await CaseFile(caseId, Roles.Auditor)));
        var statement = text[text.IndexOf("{\"caseId\"", StringComparison.Ordinal)..text.IndexOf("Signature(ECDSA", StringComparison.Ordinal)];
        var signatureStart = text.IndexOf("base64):", StringComparison.Ordinal) + "base64):".Length;
        var signature = text[signatureStart..text.IndexOf("Howtoverify", StringComparison.Ordinal)];

        ExportKey.Verify(await Host.GetAsText("/.well-known/casetracker-export-key"), Encoding.UTF8.GetBytes(statement), signature).ShouldBeTrue(statement);
        var heads = JsonNode.Parse(statement)!["streams"]!.AsArray();
        heads.ShouldHaveSingleItem()!["hash"]!.GetValue<string>().ShouldBe(last.Hash);
        heads[0]!["version"]!.GetValue<long>().ShouldBe(last.Version);
    }

    [Fact]
    public async Task analysts_get_no_case_file()
    {
        var caseId = await OpenCase();

        await GetJson<object>($"/api/cases/{caseId}/case-file.pdf", Roles.Analyst, 403);
    }

    [Fact]
    public async Task a_restricted_case_has_no_case_file_for_another_agency_exactly_as_if_it_did_not_exist()
    {
        var caseId = await OpenCase();
        await Host.Scenario(x =>
        {
            x.Post.Json(new { reason = "Informant protection" }).ToUrl($"/api/cases/{caseId}/restriction");
            x.WithBearerToken(Fixture.TokenFor(Roles.Officer, "lead-officer", Lead));
        });

        var hidden = await Problem($"/api/cases/{caseId}/case-file.pdf");
        var unknown = Guid.NewGuid();
        var missing = await Problem($"/api/cases/{unknown}/case-file.pdf");

        hidden.Replace(caseId.ToString(), "{id}").ShouldBe(missing.Replace(unknown.ToString(), "{id}"));
        (await CaseFile(caseId, Roles.Officer, Lead)).ShouldNotBeEmpty();
    }

    private async Task<string> Problem(string url)
    {
        var result = await Host.Scenario(x =>
        {
            x.Get.Url(url);
            x.WithBearerToken(Fixture.TokenFor(Roles.Officer, "foreign-officer", Foreign));
            x.StatusCodeShouldBe(404);
            x.ContentTypeShouldBe("application/problem+json");
        });
        var problem = JsonNode.Parse(result.ReadAsText())!.AsObject();
        problem.Remove("traceId");
        return problem.ToJsonString();
    }
}
