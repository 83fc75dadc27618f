using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CaseTracker.Api.Audit;

/// <summary>Who recorded an event: the token's user, role and agency.</summary>
public sealed record Actor(string User, string? Role, string? Agency)
{
    /// <summary>The user named for an event recorded on nobody's behalf.</summary>
    public const string SystemUser = "system";
}

/// <summary>How an event was stored, beyond its content: covered by the chain from seal 2 on.</summary>
/// <param name="Headers">every header except the chain's own (hash, previous hash, signature)</param>
public sealed record Recording(
    Guid StreamId, Guid EventId, string? DotNetType, DateTimeOffset RecordedAt, string? CorrelationId, string? CausationId, JsonObject Headers)
{
    public static JsonObject Covered(JsonObject headers) =>
        new(headers.Where(x => !EventHeaders.Chain.Contains(x.Key)).Select(x => KeyValuePair.Create(x.Key, x.Value?.DeepClone())));
}

/// <summary>
/// What the chain covers of one event, wherever it was read from: a stored row, or a line of an
/// export checked far from the database.
/// </summary>
/// <param name="Seal">the event's <c>seal</c> header: which canonical form its hash was computed over</param>
public sealed record ChainedEvent(string Type, string Data, DateTimeOffset OccurredAt, Actor Actor, long Version, string? Seal, Recording Recording)
{
    public string Canonical() =>
        HashChain.Canonical(Type, Data, OccurredAt, Actor, Version, Seal == EventHeaders.CurrentSeal ? Recording : null);
}

/// <summary>
/// The tamper-evident chain of a case stream (docs/audit.md): each event's hash is SHA-256 over its
/// predecessor's hash and a canonical form of the event, so changing, removing or reordering any
/// stored event breaks every hash after it. The canonical form is computed from JSON text, so the
/// same function serves the append (from the serialized event) and the check (from the stored row).
/// </summary>
public static class HashChain
{
    public static readonly string Genesis = new('0', 64);

    /// <summary>
    /// The canonical form of an event. With <paramref name="recording"/> (seal 2, every event sealed
    /// since it existed) it also covers how the event was stored: stream, event id, .NET type,
    /// recording time, correlation and causation ids and every header but the chain's own, so that
    /// none of them can change without the chain saying so. Without it, the first seal's form, which
    /// events sealed before seal 2 are still checked against.
    /// </summary>
    public static string Canonical(string type, string dataJson, DateTimeOffset occurredAt, Actor actor, long version, Recording? recording = null)
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
            if (recording is not null)
            {
                writer.WriteString("causationId", recording.CausationId);
                writer.WriteString("correlationId", recording.CorrelationId);
            }

            writer.WritePropertyName("data");
            WriteCanonical(writer, JsonNode.Parse(dataJson));
            if (recording is not null)
            {
                writer.WriteString("dotNetType", recording.DotNetType);
                writer.WriteString("eventId", recording.EventId);
                writer.WritePropertyName("headers");
                WriteCanonical(writer, recording.Headers);
            }

            writer.WriteString("occurredAt", Instant(occurredAt));
            if (recording is not null)
            {
                writer.WriteString("recordedAt", Instant(recording.RecordedAt));
                writer.WriteString("streamId", recording.StreamId);
            }

            writer.WriteString("type", type);
            writer.WriteNumber("version", version);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// Canonical JSON of any document (keys sorted, no whitespace, numbers in one form): what a
    /// signed checkpoint's signature covers.
    /// </summary>
    public static byte[] CanonicalBytes(JsonNode? node)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            WriteCanonical(writer, node);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static string Instant(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>PostgreSQL keeps microseconds; a time the chain covers must survive the round trip.</summary>
    public static DateTimeOffset StorablePrecision(DateTimeOffset time) =>
        new(time.UtcTicks - time.UtcTicks % 10, TimeSpan.Zero);

    public static string Next(string previousHash, string canonical) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(previousHash + canonical)));

    /// <summary>
    /// Why an event does not continue its stream's chain after <paramref name="previous"/>, or null
    /// when it does: its previous hash must be its predecessor's hash, and its own hash the one its
    /// content gives. <paramref name="e"/> is null when the event no longer reads as a case event.
    /// </summary>
    public static string? Breaks(string previous, string? previousHash, string? hash, ChainedEvent? e)
    {
        if (previousHash != previous) return "its previous hash does not match its predecessor";
        if (e is null) return "its data no longer reads as a case event";
        return hash == Next(previous, e.Canonical()) ? null : "its content does not match its hash";
    }

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
