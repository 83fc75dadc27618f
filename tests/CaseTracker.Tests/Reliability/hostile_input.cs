using System.Text;
using System.Text.Json.Nodes;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Storage;
using CaseTracker.Tests.Support;
using Npgsql;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Reliability;

/// <summary>
/// Thousands of mutated commands — wrong types, missing and extra fields, huge numbers, NaN,
/// negative amounts, bad dates, odd unicode, deep nesting, truncated JSON, stale versions, reused
/// keys — are refused with a 4xx that says what to fix, and never append anything.
/// </summary>
public class hostile_input(AppFixture fixture) : IntegrationContext(fixture)
{
    private static readonly int[] Refusals = [400, 404, 409, 412, 413, 422];

    [Fact]
    public async Task two_thousand_mutated_commands_are_refused_cleanly_and_append_nothing()
    {
        var open = await OpenCase();
        var defendant = await IdentifyDefendant(open);
        var charge = (await Accepted($"/api/cases/{open}/charges", Commands.Charge(defendant))).EntryId!.Value;
        var closed = await OpenCase();
        await Accepted($"/api/cases/{closed}/closure", Commands.Closure());
        await Accepted($"/api/cases/{open}/tips", Commands.Tip(), x => x.WithRequestHeader("Idempotency-Key", "used"));

        var valid = new (string Route, Dictionary<string, object?> Body, string[] Required)[]
        {
            ("tips", Commands.Tip(), ["fromAgency", "receivedAt", "summary"]),
            ("arrests", Commands.Arrest(defendant), ["defendantId", "arrestedAt", "place", "agency"]),
            ("seizures", Commands.Seizure(), ["substance", "quantity", "unit", "seizedAt", "place"]),
            ("charges", Commands.Charge(defendant), ["defendantId", "offence", "filedAt"]),
            ("verdicts", Commands.Verdict(defendant, charge), ["defendantId", "chargeId", "verdict", "reachedAt", "court"]),
            ("sentences", Commands.Sentence(defendant), ["defendantId", "kind", "handedAt", "court", "termMonths"]),
            ("referrals", Commands.Referral(), ["toAgency", "jurisdiction", "subjectsIdentified", "referredAt", "summary"]),
            ("closure", Commands.Closure(), ["closedAt", "disposition"]),
        };

        var random = new Random(7);
        var before = await EventCount();
        var statuses = new Dictionary<int, int>();
        const int requests = 2100;
        for (var i = 0; i < requests; i++)
        {
            var (route, body, required) = valid[random.Next(valid.Length)];
            var (caseId, payload, headers) = Mutate(random, open, closed, body, required);
            var status = await Send($"/api/cases/{caseId}/{route}", payload, headers);
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            if (!Refusals.Contains(status)) throw new ShouldAssertException($"{route} with {payload[..Math.Min(300, payload.Length)]} answered {status}");
        }

        (await EventCount()).ShouldBe(before, "no refused command may append anything");
        statuses.Keys.ShouldBeSubsetOf(Refusals);
        statuses.Values.Sum().ShouldBe(requests);
    }

    private static (Guid CaseId, string Payload, Dictionary<string, string> Headers) Mutate(
        Random random, Guid open, Guid closed, Dictionary<string, object?> body, string[] required)
    {
        var json = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(body))!.AsObject();
        var field = required[random.Next(required.Length)];
        var headers = new Dictionary<string, string>();
        var caseId = open;
        string? raw = null;
        switch (random.Next(16))
        {
            case 0: json.Remove(field); break;
            case 1: json[field] = json[field]?.GetValueKind() == System.Text.Json.JsonValueKind.String ? Pick<JsonNode>(random, 12345, true, new JsonArray(1, 2)) : "twelve"; break;
            case 2: json[field] = new JsonObject { ["nested"] = true }; break;
            case 3: json[field] = field.EndsWith("At", StringComparison.Ordinal) ? Pick(random, "2018-13-45T00:00:00Z", "yesterday", "2018-08-01T06:00:00", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "") : null; break;
            case 4: json["quantity"] = Pick(random, -1, 0, -0.0001); json["unit"] = "kg"; break;
            case 5: raw = json.ToJsonString().Replace($"\"{field}\":", $"\"{field}\": NaN, \"x\":", StringComparison.Ordinal); break;
            case 6: raw = json.ToJsonString().Replace($"\"{field}\":", $"\"{field}\": 1e400, \"x\":", StringComparison.Ordinal); break;
            case 7: json["unexpected"] = Pick(random, "extra", "1", "{}"); break;
            case 8: json["deep"] = Deep(random.Next(40, 200)); break;
            case 9: raw = Truncate(random, json.ToJsonString()); break;
            case 10: json[field] = Pick(random, "\u0000", "\u202ekg", "ｋｇ", "kg\u200b", "🧪"); if (!IsText(field)) break; json[field] = new string('x', 5000); break;
            case 11: json[field] = 99999999999999999999m; break;
            case 12: caseId = Pick(random, closed, Guid.NewGuid()); break;
            case 13: headers["If-Match"] = "\"1\""; break;
            case 14:
                headers["Idempotency-Key"] = "used";
                json[field] = $"not the first request {random.Next()}";
                break;
            default: raw = Encoding.UTF8.GetString(Encoding.UTF8.GetBytes("{\"summary\":\"" + new string('y', 70_000) + "\"}")); break;
        }

        return (caseId, raw ?? json.ToJsonString(), headers);
    }

    private static bool IsText(string field) =>
        field is "fromAgency" or "summary" or "place" or "agency" or "substance" or "offence" or "court" or "toAgency" or "jurisdiction" or "disposition";

    private static T Pick<T>(Random random, params T[] choices) => choices[random.Next(choices.Length)];

    private static JsonNode Deep(int depth)
    {
        JsonNode node = 1;
        for (var i = 0; i < depth; i++) node = new JsonArray(node);
        return node;
    }

    private static string Truncate(Random random, string json) => json[..random.Next(1, json.Length - 1)];

    /// <summary>Every refusal is a problem document that tells the caller what to fix, in their terms.</summary>
    private async Task<int> Send(string url, string payload, Dictionary<string, string> headers)
    {
        var result = await Host.Scenario(x =>
        {
            x.Post.Text(payload).ToUrl(url);
            x.WithRequestHeader("Content-Type", "application/json");
            x.WithBearerToken(Fixture.TokenFor(Roles.Officer));
            foreach (var (name, value) in headers) x.WithRequestHeader(name, value);
            x.IgnoreStatusCode();
        });
        var status = result.Context.Response.StatusCode;
        if (status is >= 400 and < 500)
        {
            var problem = JsonNode.Parse(result.ReadAsText())!.AsObject();
            var said = $"{url} with {payload[..Math.Min(300, payload.Length)]} answered {problem.ToJsonString()}";
            problem["type"]?.GetValue<string>().ShouldStartWith("https://tools.ietf.org/html/", customMessage: said);
            problem["detail"]?.GetValue<string>().ShouldNotBeNullOrWhiteSpace(said);
            problem["detail"]!.GetValue<string>().ShouldNotMatch(@"\b(System|CaseTracker|Microsoft)\.[A-Z]", said);
        }

        return status;
    }

    private async Task<long> EventCount()
    {
        await using var connection = new NpgsqlConnection(Fixture.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"select count(*) from {StoreConfiguration.Schema}.mt_events", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
