using System.Text;
using System.Text.Json.Nodes;

namespace CaseTracker.Api.Seeding;

/// <summary>
/// Posts a seed's steps to the API in order, resolving <c>{{key}}</c> from earlier answers. Each
/// step's key is its Idempotency-Key, so a seed loaded twice appends nothing the second time.
/// </summary>
public static class SeedLoader
{
    /// <returns>how many events the seed appended (0 when it was loaded before)</returns>
    public static async Task<int> Load(HttpClient client, SeedFile seed, string name)
    {
        var ids = new Dictionary<string, string>();
        var appended = 0;
        foreach (var step in seed.Steps)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, step.ResolvedRoute(ids))
            {
                Content = new StringContent(step.ResolvedBody(ids), Encoding.UTF8, "application/json")
            };
            request.Headers.Add("Idempotency-Key", $"{name}:{step.Key}");
            using var response = await client.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"Seed step '{step.Key}' of {name} was refused ({(int)response.StatusCode}): {body}");
            }

            if (!response.Headers.Contains("Idempotent-Replayed")) appended++;
            ids[step.Key] = EntryId(JsonNode.Parse(body)!.AsObject());
        }

        return appended;
    }

    /// <summary>The id a step created: the entry's id, or the case's when it opened one.</summary>
    private static string EntryId(JsonObject accepted) =>
        accepted.Where(x => x.Key is not ("caseId" or "version")).Select(x => x.Value!.GetValue<string>()).SingleOrDefault()
        ?? accepted["caseId"]!.GetValue<string>();
}
