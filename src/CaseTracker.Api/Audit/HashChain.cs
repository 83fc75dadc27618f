using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CaseTracker.Api.Audit;

/// <summary>Who recorded an event: the token's user, role and agency.</summary>
public sealed record Actor(string User, string? Role, string? Agency);

/// <summary>
/// The tamper-evident chain of a case stream (CONTRACT §5): each event's hash is SHA-256 over its
/// predecessor's hash and a canonical form of the event, so changing, removing or reordering any
/// stored event breaks every hash after it. The canonical form is computed from JSON text, so the
/// same function serves the append (from the serialized event) and the check (from the stored row).
/// </summary>
public static class HashChain
{
    public static readonly string Genesis = new('0', 64);

    public static string Canonical(string type, string dataJson, DateTimeOffset occurredAt, Actor actor, long version)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("actor");
            writer.WriteString("agency", actor.Agency);
            writer.WriteString("role", actor.Role);
            writer.WriteString("user", actor.User);
            writer.WriteEndObject();
            writer.WritePropertyName("data");
            WriteCanonical(writer, JsonNode.Parse(dataJson));
            writer.WriteString("occurredAt", occurredAt.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
            writer.WriteString("type", type);
            writer.WriteNumber("version", version);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static string Next(string previousHash, string canonical) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(previousHash + canonical)));

    /// <summary>Keys sorted, no whitespace, numbers in one plain form: what PostgreSQL's jsonb keeps of a document.</summary>
    private static void WriteCanonical(Utf8JsonWriter writer, JsonNode? node)
    {
        switch (node)
        {
            case null:
                writer.WriteNullValue();
                break;
            case JsonObject obj:
                writer.WriteStartObject();
                foreach (var (key, value) in obj.OrderBy(x => x.Key, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(key);
                    WriteCanonical(writer, value);
                }

                writer.WriteEndObject();
                break;
            case JsonArray array:
                writer.WriteStartArray();
                foreach (var item in array) WriteCanonical(writer, item);
                writer.WriteEndArray();
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.Number:
                var text = value.ToJsonString();
                writer.WriteRawValue(decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                    ? number.ToString("0.############################", CultureInfo.InvariantCulture)
                    : double.Parse(text, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture));
                break;
            default:
                node.WriteTo(writer);
                break;
        }
    }
}
