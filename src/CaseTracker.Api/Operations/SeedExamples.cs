using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CaseTracker.Api.Seeding;

namespace CaseTracker.Api.Operations;

/// <summary>
/// Request examples for the description, taken from the seed case: real commands that the seed
/// loader posts through the API, so every example is one the server accepts. Where the seed
/// names an id it has not got yet (<c>{{liu-yong}}</c>), the example shows a fixed id made from
/// that name, so the description reads the same on every machine.
/// </summary>
public static partial class SeedExamples
{
    private static readonly Lazy<IReadOnlyDictionary<string, JsonNode>> ByRoute = new(Load);

    /// <param name="route">a route pattern such as <c>/api/cases/{caseId:guid}/arrests</c></param>
    public static JsonNode? For(string route) =>
        ByRoute.Value.TryGetValue(Shape(route), out var body) ? body.DeepClone() : null;

    private static Dictionary<string, JsonNode> Load()
    {
        var examples = new Dictionary<string, JsonNode>(StringComparer.Ordinal);
        if (SeedCommand.FindSeedsFolder() is not { } folder) return examples;

        foreach (var file in Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal))
        {
            var seed = SeedFile.Load(file);
            var ids = seed.Steps.ToDictionary(x => x.Key, x => ExampleId(x.Key).ToString());
            foreach (var step in seed.Steps)
            {
                examples.TryAdd(Shape(step.Route), JsonNode.Parse(step.ResolvedBody(ids))!);
            }
        }

        return examples;
    }

    private static Guid ExampleId(string key) => new(MD5.HashData(Encoding.UTF8.GetBytes(key)));

    [GeneratedRegex(@"\{\{?[^}]+\}\}?")]
    private static partial Regex RouteParameter();

    private static string Shape(string route) => RouteParameter().Replace(route, "{}");
}
