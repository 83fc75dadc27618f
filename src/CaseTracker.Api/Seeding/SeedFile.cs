using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace CaseTracker.Api.Seeding;

/// <summary>
/// A seed: commands in the order they happened, each posted to a route of the API. A step's
/// <see cref="SeedStep.Key"/> names the id its answer carries (the case it opened, the defendant
/// it identified...), which later steps use as <c>{{key}}</c> in routes and bodies.
/// </summary>
public sealed record SeedFile(string Agency, IReadOnlyList<SeedStep> Steps, string? Source = null, string? Notes = null)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static SeedFile Load(string path) =>
        JsonSerializer.Deserialize<SeedFile>(File.ReadAllText(path), Json)
        ?? throw new InvalidDataException($"{path} is not a seed file.");
}

/// <param name="Key">unique in the file; also the Idempotency-Key, so loading twice appends nothing</param>
/// <param name="Approximate">the source gives no exact date or figure here; the value is a plausible stand-in</param>
/// <param name="Source">the words of the source this step records</param>
public sealed record SeedStep(string Key, string Route, JsonObject Body, bool Approximate = false, string? Source = null)
{
    public string ResolvedRoute(IReadOnlyDictionary<string, string> ids) => Placeholders.Resolve(Route, ids);

    public string ResolvedBody(IReadOnlyDictionary<string, string> ids) => Placeholders.Resolve(Body.ToJsonString(), ids);
}

internal static partial class Placeholders
{
    [GeneratedRegex(@"\{\{([A-Za-z0-9_.-]+)\}\}")]
    private static partial Regex Pattern();

    public static string Resolve(string text, IReadOnlyDictionary<string, string> ids) =>
        Pattern().Replace(text, m => ids.TryGetValue(m.Groups[1].Value, out var id)
            ? id
            : throw new InvalidDataException($"{{{{{m.Groups[1].Value}}}}} names no earlier step."));
}
