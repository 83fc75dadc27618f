using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace CaseTracker.Api.Http;

public static class JsonSetup
{
    /// <summary>
    /// Request bodies are read strictly: unknown properties are refused rather than silently dropped
    /// (no mass assignment), numbers must be numbers, times must carry their offset, and text must
    /// be storable by PostgreSQL. Wolverine reads bodies with these options (ASP.NET's JsonOptions).
    /// </summary>
    public static void Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        // A field given twice would silently lose one of its values, like an unknown one would.
        options.AllowDuplicateProperties = false;
        options.NumberHandling = JsonNumberHandling.Strict;
        options.AllowTrailingCommas = false;
        options.ReadCommentHandling = JsonCommentHandling.Disallow;
        options.MaxDepth = 32;
        options.Converters.Add(new OffsetRequired());
        options.Converters.Add(new StorableStrings());
        options.TypeInfoResolver = (options.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver()).WithAddedModifier(StoredOnlyAttribute.LeaveOut);
    }

    /// <summary>
    /// Every string of every body passes through here, so no command can carry text PostgreSQL
    /// would refuse mid-statement; the JsonException becomes Wolverine's 400 problem.
    /// </summary>
    private sealed class StorableStrings : JsonConverter<string>
    {
        public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            Checked(reader.GetString());

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value);

        public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            Checked(reader.GetString())!;

        public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options) =>
            writer.WritePropertyName(value);

        private static string? Checked(string? text) =>
            text is null || StorableText.IsStorable(text) ? text : throw new JsonException($"Text {StorableText.Refusal}.");
    }

    /// <summary>Times in bodies follow <see cref="OffsetTimes"/>, as times in query strings do.</summary>
    private sealed class OffsetRequired : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var text = reader.GetString();
            return OffsetTimes.TryParse(text, out var value) ? value : throw new JsonException(OffsetTimes.Refusal(text));
        }

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value);
    }
}

/// <summary>
/// A member a document keeps for PostgreSQL to index (Marten stores it with its own serializer),
/// never part of an answer or of the API's description.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class StoredOnlyAttribute : Attribute
{
    internal static void LeaveOut(JsonTypeInfo type)
    {
        if (type.Kind != JsonTypeInfoKind.Object) return;
        foreach (var stored in type.Properties.Where(x => x.AttributeProvider?.IsDefined(typeof(StoredOnlyAttribute), inherit: true) == true).ToList())
        {
            type.Properties.Remove(stored);
        }
    }
}
