using System.Text.Json;
using System.Text.Json.Nodes;
using Alba;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using Marten;
using Marten.Events;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Support;

/// <summary>
/// Drives the real host over HTTP. Tests build their own cases (unique references), so they share
/// one host and database per collection without resetting data between tests.
/// </summary>
[Collection(CaseApiCollection.Name)]
public abstract class IntegrationContext(AppFixture fixture)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    protected AppFixture Fixture => fixture;
    protected IAlbaHost Host => fixture.Host;

    protected static string NewReference() => $"T-{Guid.NewGuid():N}"[..24].ToUpperInvariant();

    protected Task<IScenarioResult> Post(string url, object body, int status, string role = Roles.Officer, Action<Scenario>? more = null) =>
        Host.Scenario(x =>
        {
            x.Post.Json(body).ToUrl(url);
            x.WithBearerToken(fixture.TokenFor(role));
            more?.Invoke(x);
            x.StatusCodeShouldBe(status);
        });

    protected async Task<CommandAccepted> Accepted(string url, object body, Action<Scenario>? more = null)
    {
        var result = await Post(url, body, 200, more: more);
        return Read<CommandAccepted>(result);
    }

    protected async Task<Guid> OpenCase(string? reference = null)
    {
        var result = await Post("/api/cases", Commands.OpenCase(reference ?? NewReference()), 201);
        return Read<CommandAccepted>(result).CaseId;
    }

    protected async Task<Guid> IdentifyDefendant(Guid caseId, string name = "Liu Yong") =>
        (await Accepted($"/api/cases/{caseId}/defendants", new { name, occurredAt = "2018-07-01T00:00:00+08:00" })).EntryId!.Value;

    /// <summary>Two people, each identified in a case of their own, whose profiles have been built: about to be found one person.</summary>
    protected async Task<(Guid First, Guid Second, Guid Survivor, Guid Merged)> TwoFilesOfOnePersonAsync()
    {
        var (first, second) = (await OpenCase(), await OpenCase());
        var survivor = await IdentifyDefendant(first, "Zhang Wei");
        var merged = await IdentifyDefendant(second, "Wei Zhang");
        await ProjectionsCaughtUp();
        return (first, second, survivor, merged);
    }

    /// <summary>Records staff merge one person into another.</summary>
    protected async Task<Api.Defendants.MergeRecorded> MergeAsAdmin(Guid survivor, Guid merged) =>
        Read<Api.Defendants.MergeRecorded>(await Post($"/api/defendants/{survivor}/merges",
            new { mergedDefendantId = merged, reason = "Same fingerprints", mergedAt = Commands.At }, 200, Roles.Admin));

    protected async Task<Guid> RecordSeizure(Guid caseId, decimal quantity = 11.9m, string unit = "kg", string substance = "fentanyl") =>
        (await Accepted($"/api/cases/{caseId}/seizures", Commands.Seizure(quantity, unit, substance))).EntryId!.Value;

    /// <summary>Logs an exhibit (201 with its Location) and answers its id.</summary>
    protected async Task<Guid> LogExhibit(Guid caseId, Dictionary<string, object?> body, Action<Scenario>? more = null)
    {
        var result = await Post($"/api/cases/{caseId}/exhibits", body, 201, more: more);
        var accepted = Read<CommandAccepted>(result);
        accepted.CaseId.ShouldBe(caseId);
        accepted.Version.ShouldBe(1);
        result.Context.Response.Headers.Location.ToString().ShouldBe($"/api/exhibits/{accepted.EntryId}");
        return accepted.EntryId!.Value;
    }

    protected async Task<CaseDetails> GetCase(Guid caseId, string role = Roles.Officer, string query = "")
    {
        var result = await Host.Scenario(x =>
        {
            x.Get.Url($"/api/cases/{caseId}{query}");
            x.WithBearerToken(fixture.TokenFor(role));
            x.StatusCodeShouldBe(200);
        });
        return Read<CaseDetails>(result);
    }

    /// <summary>The version of a case's or an exhibit's stream; 0 when there is none.</summary>
    protected async Task<long> StreamVersion(Guid streamId)
    {
        await using var session = fixture.Store.QuerySession();
        return (await session.Events.FetchStreamStateAsync(streamId))?.Version ?? 0;
    }

    /// <summary>
    /// Posts a command that must be refused: the status, a problem+json body, and a stream (the
    /// case's, or the exhibit's on exhibit routes) that did not move.
    /// </summary>
    protected async Task<JsonObject> Refused(string url, object body, int status, Guid? streamId, string role = Roles.Officer, Action<Scenario>? more = null)
    {
        var before = streamId is { } id ? await StreamVersion(id) : 0;
        var result = await Post(url, body, status, role, x =>
        {
            more?.Invoke(x);
            x.ContentTypeShouldBe("application/problem+json");
        });
        if (streamId is { } after) (await StreamVersion(after)).ShouldBe(before, "a refused command must append nothing");

        var problem = JsonNode.Parse(result.ReadAsText())!.AsObject();
        problem["status"]!.GetValue<int>().ShouldBe(status);
        problem["title"]!.GetValue<string>().ShouldNotBeNullOrWhiteSpace();
        return problem;
    }

    /// <summary>
    /// Lets the asynchronous projections (defendants, stats) catch up with every committed event. The
    /// deadline only ends a stuck wait; on a loaded machine catching up can take far longer than usual.
    /// Marten's wait refuses a store with no events yet ("no event activity"); there is nothing to wait for then.
    /// </summary>
    protected async Task ProjectionsCaughtUp()
    {
        if ((await fixture.Store.Advanced.FetchEventStoreStatistics()).EventCount == 0) return;
        await Host.WaitForNonStaleProjectionDataAsync(TimeSpan.FromMinutes(3));
    }

    /// <summary>
    /// Runs SQL as a superuser who has switched off triggers for the session, the guard included:
    /// what the signatures and checkpoints must still catch. <c>{0}</c> is the schema, <c>@id</c> the stream.
    /// </summary>
    protected async Task Tamper(string sql, Guid streamId)
    {
        await using var connection = new Npgsql.NpgsqlConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            "set session_replication_role = replica; " + string.Format(sql, Api.Storage.StoreConfiguration.Schema), connection);
        command.Parameters.AddWithValue("id", streamId);
        await command.ExecuteNonQueryAsync();
    }

    /// <param name="agency">the reader's agency, for need-to-know; the fixture's default agency when null</param>
    /// <returns>the answer when it is a 200, else default (the status has been checked)</returns>
    protected async Task<T> GetJson<T>(string url, string role = Roles.Analyst, int status = 200, string? agency = null)
    {
        var result = await Host.Scenario(x =>
        {
            x.Get.Url(url);
            x.WithBearerToken(agency is null ? fixture.TokenFor(role) : fixture.TokenFor(role, $"{role}-of-{agency}", agency));
            x.StatusCodeShouldBe(status);
        });
        return status == 200 ? Read<T>(result) : default!;
    }

    protected static T Read<T>(IScenarioResult result) => JsonSerializer.Deserialize<T>(result.ReadAsText(), Json)!;

    protected static string[] ErrorFields(JsonObject problem) =>
        problem["errors"]?.AsObject().Select(x => x.Key).ToArray() ?? [];
}
