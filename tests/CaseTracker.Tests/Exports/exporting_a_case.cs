using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alba;
using CaseTracker.Api.Audit;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Exports;
using CaseTracker.Tests.Support;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Exports;

/// <summary>
/// A case's export leaves CaseTracker as newline-delimited JSON with a signed checkpoint, and the
/// <c>audit verify-export</c> verb checks it with the public key alone: no database, no secret.
/// </summary>
public class exporting_a_case(AppFixture fixture) : IntegrationContext(fixture)
{
    /// <summary>A case with a person named in Chinese, a seizure, a charge, and a retracted arrest.</summary>
    private async Task<Guid> CaseWithHistory()
    {
        var caseId = await OpenCase();
        var liu = await IdentifyDefendant(caseId, "刘勇");
        await Accepted($"/api/cases/{caseId}/seizures", Commands.Seizure(11.9m, "kg"));
        var arrest = await Accepted($"/api/cases/{caseId}/arrests", Commands.Arrest(liu));
        await Accepted($"/api/cases/{caseId}/charges", Commands.Charge(liu));
        await Accepted($"/api/cases/{caseId}/retractions", Commands.Retraction(arrest.EntryId!.Value));
        return caseId;
    }

    private async Task<byte[]> Export(Guid caseId, string role = Roles.Auditor)
    {
        var result = await Host.Scenario(x =>
        {
            x.Get.Url($"/api/cases/{caseId}/export");
            x.WithBearerToken(Fixture.TokenFor(role));
            x.ContentTypeShouldBe(ExportLines.MediaType);
        });
        using var copy = new MemoryStream();
        await result.Context.Response.Body.CopyToAsync(copy);
        return copy.ToArray();
    }

    private async Task<string> PublicKey() => await Host.GetAsText("/.well-known/casetracker-export-key");

    /// <summary>
    /// The verb as a court would run it: outside Development, with no key of the application's and a
    /// database address where nothing listens. Starting Marten or reading a secret would fail.
    /// </summary>
    private async Task<(int ExitCode, string Output, string Errors)> VerifyOffline(byte[] export, bool withKey = true)
    {
        var file = Path.Combine(Path.GetTempPath(), $"export-{Guid.NewGuid():N}.ndjson");
        var key = Path.Combine(Path.GetTempPath(), $"export-key-{Guid.NewGuid():N}.pem");
        await File.WriteAllBytesAsync(file, export);
        await File.WriteAllTextAsync(key, await PublicKey());
        var environment = new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ConnectionStrings__CaseTracker"] = $"Host=127.0.0.1;Port={Ports.Free()};Database=none;Username=none;Password=none;Timeout=2",
            ["Auth__SigningKey"] = null,
            ["Audit__Key"] = null,
            ["Audit__ExportKey"] = null,
        };
        try
        {
            string[] args = withKey ? ["audit", "verify-export", file, "--key", key] : ["audit", "verify-export", file];
            return await ApiProcess.Run(environment, args);
        }
        finally
        {
            File.Delete(file);
            File.Delete(key);
        }
    }

    private static List<byte[]> Lines(byte[] export) =>
        [.. Encoding.UTF8.GetString(export).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Encoding.UTF8.GetBytes)];

    private static byte[] Join(IEnumerable<byte[]> lines) =>
        Encoding.UTF8.GetBytes(string.Concat(lines.Select(x => Encoding.UTF8.GetString(x) + "\n")));

    [Fact]
    public async Task every_event_is_a_line_with_the_history_fields_and_its_stream_then_a_signed_checkpoint()
    {
        var caseId = await CaseWithHistory();
        var history = await GetJson<HistoryEntry[]>($"/api/cases/{caseId}/events", Roles.Auditor);

        var lines = Lines(await Export(caseId)).Select(x => JsonNode.Parse(x)!.AsObject()).ToList();

        lines.Count.ShouldBe(history.Length + 1);
        for (var i = 0; i < history.Length; i++)
        {
            var line = lines[i];
            line["stream"]!.GetValue<Guid>().ShouldBe(caseId);
            var exported = line.Deserialize<HistoryEntry>(IntegrationContext.Json)!;
            (exported with { Data = null }).ShouldBe(history[i] with { Data = null });
            if (history[i].Type == "DefendantIdentified")
            {
                // Personal fields travel as stored, encrypted, as the hash covers them; the history shows them revealed.
                exported.Data!["name"]!["cipher"]!.GetValue<string>().ShouldNotBeNullOrEmpty();
                history[i].Data!["name"]!.GetValue<string>().ShouldBe("刘勇");
                exported.Data["name"] = history[i].Data!["name"]!.DeepClone();
            }

            JsonNode.DeepEquals(exported.Data, history[i].Data).ShouldBeTrue($"the data of version {history[i].Version}");
        }

        var checkpoint = lines[^1]["checkpoint"]!.AsObject();
        var statement = ExportKey.Verified(checkpoint, await PublicKey()).ShouldNotBeNull("the checkpoint is signed with the export key");
        statement["caseId"]!.GetValue<Guid>().ShouldBe(caseId);
        Checkpoints.Heads(statement).ShouldBe([new StreamHead(caseId, history[^1].Version, history[^1].Hash)]);
        statement["lines"]!.AsArray().Count.ShouldBe(history.Length);
    }

    [Fact]
    public async Task an_export_verifies_offline_through_the_cli_with_no_database_and_no_secret()
    {
        var caseId = await CaseWithHistory();

        var (exitCode, output, errors) = await VerifyOffline(await Export(caseId));

        exitCode.ShouldBe(0, output + errors);
        output.ShouldContain($"VALID export of case {caseId}: 6 events in 1 stream,");
    }

    [Fact]
    public async Task without_a_key_the_cli_checks_with_the_development_key_which_this_deployment_did_not_sign_with()
    {
        var (exitCode, output, errors) = await VerifyOffline(await Export(await CaseWithHistory()), withKey: false);

        exitCode.ShouldNotBe(0);
        output.ShouldContain("INVALID line 7");
        output.ShouldContain("signature does not verify");
        errors.ShouldContain("--key");
    }

    public static TheoryData<string> Tamperings => ["edit a byte", "delete a line", "reorder two lines", "delete the last event", "another case's checkpoint"];

    [Theory]
    [MemberData(nameof(Tamperings))]
    public async Task the_cli_names_the_line_where_an_export_was_tampered_with(string tampering)
    {
        var caseId = await CaseWithHistory();
        var lines = Lines(await Export(caseId));
        int expectedLine;
        switch (tampering)
        {
            case "edit a byte":
                // The seizure's quantity, 11.9: one digit changed.
                var text = Encoding.UTF8.GetString(lines[2]);
                lines[2] = Encoding.UTF8.GetBytes(text.Replace("\"quantity\":11.9", "\"quantity\":11.8"));
                lines[2].ShouldNotBe(Encoding.UTF8.GetBytes(text));
                expectedLine = 3;
                break;
            case "delete a line":
                lines.RemoveAt(3);
                expectedLine = 4;
                break;
            case "reorder two lines":
                (lines[1], lines[2]) = (lines[2], lines[1]);
                expectedLine = 2;
                break;
            case "delete the last event":
                lines.RemoveAt(lines.Count - 2);
                expectedLine = lines.Count;
                break;
            default:
                lines[^1] = Lines(await Export(await CaseWithHistory()))[^1];
                expectedLine = lines.Count;
                break;
        }

        var (exitCode, output, errors) = await VerifyOffline(Join(lines));

        exitCode.ShouldNotBe(0, output + errors);
        output.ShouldContain($"INVALID line {expectedLine} ");
    }

    /// <summary>
    /// Every byte of the case's first line (whose stream says which case the export is of), of the line
    /// naming 刘勇 (multi-byte text) and of the checkpoint; the other lines are built alike.
    /// </summary>
    [Fact]
    public async Task a_change_to_any_byte_of_a_line_is_caught_at_that_line()
    {
        var lines = Lines(await Export(await CaseWithHistory()));
        var key = await PublicKey();
        ExportVerifier.Verify(Join(lines), key).Valid.ShouldBeTrue();
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();

        foreach (var line in new[] { 0, 1, lines.Count - 1 })
        {
            Parallel.For(0, lines[line].Length, at =>
            {
                var changed = lines.Select(x => x.ToArray()).ToList();
                changed[line][at] ^= 0x01;

                var verdict = ExportVerifier.Verify(Join(changed), key);

                if (verdict.Line != line + 1) failures.Add($"byte {at} of line {line + 1} changed: named line {verdict.Line} ({verdict.Reason})");
            });
        }

        failures.ShouldBeEmpty();
    }

    [Theory]
    [InlineData(Roles.Officer, 403)]
    [InlineData(Roles.Analyst, 403)]
    [InlineData(Roles.Admin, 200)]
    public async Task the_export_is_for_auditors_and_admins(string role, int status)
    {
        var caseId = await OpenCase();

        await Host.Scenario(x =>
        {
            x.Get.Url($"/api/cases/{caseId}/export");
            x.WithBearerToken(Fixture.TokenFor(role));
            x.StatusCodeShouldBe(status);
        });
    }

    [Fact]
    public async Task an_unknown_case_has_no_export()
    {
        var unknown = Guid.NewGuid();

        var result = await Host.Scenario(x =>
        {
            x.Get.Url($"/api/cases/{unknown}/export");
            x.WithBearerToken(Fixture.TokenFor(Roles.Auditor));
            x.StatusCodeShouldBe(404);
            x.ContentTypeShouldBe("application/problem+json");
        });

        JsonNode.Parse(result.ReadAsText())!["detail"]!.GetValue<string>().ShouldBe($"No case {unknown}.");
    }
}
