using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using CaseTracker.Api.Exhibits;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Wolverine.Http;

namespace CaseTracker.Api.Cases;

/// <summary>
/// The answer to every accepted command: the case, the version of the stream appended to after the
/// append, and the id of the entry the command created, named for its kind (<c>arrestId</c>,
/// <c>sentenceId</c>). A command on an exhibit answers the exhibit's version and its
/// <c>exhibitId</c>, with the case it belongs to. It is derived from the appended event alone, so a
/// replayed Idempotency-Key answers exactly what the first request answered.
/// </summary>
// The id's name comes from EntryKind, so a new kind of entry is answered under its own name
// without this file changing.
[JsonConverter(typeof(CommandAcceptedJson))]
public record CommandAccepted(Guid CaseId, long Version) : IHttpAware
{
    /// <summary>The name the answer gives a retraction's id; every other created id is named by <see cref="IdName"/>.</summary>
    public const string RetractionId = "retractionId";

    /// <summary>The name every answer about an exhibit gives the exhibit's id.</summary>
    public const string ExhibitId = "exhibitId";

    /// <summary>The entry the command created, if any, under the name the answer gives its id.</summary>
    public CreatedEntry? Created { get; init; }

    /// <summary>The created entry's id, whatever its kind.</summary>
    public Guid? EntryId => Created?.Id;

    /// <summary>Set when the command started a stream (opened a case, logged an exhibit): the answer is then 201 with this Location.</summary>
    public string? Location { get; init; }

    /// <param name="streamId">the case, or the exhibit, the event was appended to</param>
    /// <param name="version">that stream's version after the append</param>
    public static CommandAccepted For(Guid streamId, long version, object appended)
    {
        var accepted = new CommandAccepted(streamId, version);
        return appended switch
        {
            CaseOpened => accepted with { Location = $"/api/cases/{streamId}" },
            EntryRetracted e => accepted with { Created = new CreatedEntry(RetractionId, e.RetractionId) },
            ICaseEntryEvent { Entry: var entry } => accepted with { Created = new CreatedEntry(IdName(entry.Kind), entry.Id) },
            ExhibitLogged x => new CommandAccepted(x.CaseId, version)
            {
                Created = new CreatedEntry(ExhibitId, streamId), Location = $"/api/exhibits/{streamId}"
            },
            IExhibitEvent x => new CommandAccepted(x.CaseId, version) { Created = new CreatedEntry(ExhibitId, streamId) },
            // The other facts (closure, restriction) create nothing a later command could name.
            _ => accepted
        };
    }

    /// <summary>The answer for a command decided against <paramref name="current"/>: one event, one version on.</summary>
    public static CommandAccepted For(Case current, object appended) =>
        For(current.Id, current.Version + 1, appended);

    /// <summary>The answer for a command decided against an exhibit: one event, one version of the exhibit on.</summary>
    public static CommandAccepted For(Exhibit current, IExhibitEvent appended) =>
        For(current.Id, current.Version + 1, appended);

    /// <summary><see cref="EntryKind.Arrest"/> is answered as <c>arrestId</c>.</summary>
    public static string IdName(EntryKind kind) => JsonNamingPolicy.CamelCase.ConvertName(kind.ToString()) + "Id";

    /// <summary>Every name an answer may give the id it carries, in the order the description lists them.</summary>
    public static IEnumerable<string> IdNames => [.. Enum.GetValues<EntryKind>().Select(IdName), RetractionId, ExhibitId];

    public int StatusCode => Location is null ? StatusCodes.Status200OK : StatusCodes.Status201Created;

    /// <summary>The 200 answer with this body is already described by Wolverine; nothing to add.</summary>
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
    }

    void IHttpAware.Apply(HttpContext context)
    {
        context.Response.StatusCode = StatusCode;
        if (Location is not null) context.Response.Headers.Location = Location;
    }

    /// <summary>The body's schema, with the id names <see cref="CommandAcceptedJson"/> writes: the converter hides them from the generator.</summary>
    public static Task Describe(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken ct)
    {
        if (context.JsonTypeInfo.Type != typeof(CommandAccepted)) return Task.CompletedTask;

        schema.Type = JsonSchemaType.Object;
        schema.AdditionalPropertiesAllowed = false;
        schema.Required = new HashSet<string> { "caseId", "version" };
        schema.Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["caseId"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "uuid" },
            ["version"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64" },
        };
        foreach (var name in IdNames)
        {
            schema.Properties[name] = new OpenApiSchema { Type = JsonSchemaType.Null | JsonSchemaType.String, Format = "uuid" };
        }

        return Task.CompletedTask;
    }
}

/// <param name="Name">the property the answer carries the id in, e.g. <c>arrestId</c></param>
public readonly record struct CreatedEntry(string Name, Guid Id);

/// <summary><c>{ "caseId": …, "version": …, "arrestId": … }</c>: the created id under its own name.</summary>
public sealed class CommandAcceptedJson : JsonConverter<CommandAccepted>
{
    public override void Write(Utf8JsonWriter writer, CommandAccepted value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString("caseId", value.CaseId);
        writer.WriteNumber("version", value.Version);
        if (value.Created is { } created) writer.WriteString(created.Name, created.Id);
        writer.WriteEndObject();
    }

    public override CommandAccepted Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        Guid? caseId = null;
        long? version = null;
        CreatedEntry? created = null;
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (property.NameEquals("caseId")) caseId = property.Value.GetGuid();
            else if (property.NameEquals("version")) version = property.Value.GetInt64();
            else if (property.Name.EndsWith("Id", StringComparison.Ordinal) && property.Value.TryGetGuid(out var id)) created = new CreatedEntry(property.Name, id);
        }

        return new CommandAccepted(
            caseId ?? throw new JsonException("A command's answer names its case."),
            version ?? throw new JsonException("A command's answer gives its stream's version.")) { Created = created };
    }

}
