using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CaseTracker.Api.Privacy;

/// <summary>
/// One personal field of an event (a person's name, an alias, a nationality, a tip's subject alias):
/// the text people read, and what the event stores instead, its ciphertext under the key of its
/// subject (docs/privacy.md). A command makes it from the text; <see cref="PersonalDataEncryption"/>
/// encrypts it as the event commits, before the hash chain covers the stored form; an event read
/// back from the store holds only the ciphertext until <see cref="PersonalKeys.RevealAsync"/> puts
/// the text back, or <see cref="Withheld.Expunged"/> when the key is gone.
/// </summary>
[JsonConverter(typeof(PersonalJson))]
public sealed class Personal : IEquatable<Personal>
{
    private string? _text;

    private Personal(string? text, Guid subject, string? cipher)
    {
        _text = text;
        Subject = subject;
        Cipher = cipher;
    }

    /// <summary>Whose key encrypts it: a person's id, or the subject a tip's alias names; empty until encrypted.</summary>
    public Guid Subject { get; private set; }

    /// <summary>The stored form (nonce, ciphertext and tag, base64); null until encrypted, and in events stored before encryption.</summary>
    public string? Cipher { get; private set; }

    public bool IsRevealed => _text is not null;

    /// <summary>The text; reading it before the event was revealed is a programming error, loud at once.</summary>
    public string Text => _text ?? throw new InvalidOperationException(
        "A personal field was read from an event that was not revealed: call PersonalKeys.RevealAsync on events read from the store.");

    [return: NotNullIfNotNull(nameof(text))]
    public static implicit operator Personal?(string? text) => text is null ? null : new Personal(text, Guid.Empty, null);

    /// <summary>As stored by this version: the subject and the ciphertext, the text still to be revealed.</summary>
    public static Personal Stored(Guid subject, string cipher) => new(null, subject, cipher);

    /// <summary>As stored before personal fields were encrypted: the text itself.</summary>
    public static Personal Clear(string text) => new(text, Guid.Empty, null);

    internal void Encrypted(Guid subject, string cipher)
    {
        Subject = subject;
        Cipher = cipher;
    }

    internal void Revealed(string text) => _text = text;

    /// <summary>Never the text: a personal field must not reach a log through an event's ToString.</summary>
    public override string ToString() => "[personal]";

    public bool Equals(Personal? other) =>
        other is not null && _text == other._text && Cipher == other.Cipher && Subject == other.Subject;

    public override bool Equals(object? obj) => Equals(obj as Personal);

    public override int GetHashCode() => HashCode.Combine(_text, Cipher, Subject);
}

/// <summary>
/// A personal field as the store holds it: <c>{ "subject": "…", "cipher": "…" }</c>. A plain string
/// is a field stored before encryption (docs/privacy.md: existing databases). Writing a field that
/// was never encrypted fails, so no new event can store one in the clear.
/// </summary>
public sealed class PersonalJson : JsonConverter<Personal>
{
    public override Personal Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String) return Personal.Clear(reader.GetString()!);

        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("subject", out var subject) || !subject.TryGetGuid(out var id)
            || !root.TryGetProperty("cipher", out var cipher) || cipher.GetString() is not { } text)
        {
            throw new JsonException("A personal field is stored as { \"subject\": uuid, \"cipher\": base64 } or, before encryption, as a string.");
        }

        return Personal.Stored(id, text);
    }

    public override void Write(Utf8JsonWriter writer, Personal value, JsonSerializerOptions options)
    {
        if (value.Cipher is null)
        {
            throw new InvalidOperationException("A personal field reached the store unencrypted: PersonalDataEncryption must run before the event is written.");
        }

        writer.WriteStartObject();
        writer.WriteString("subject", value.Subject);
        writer.WriteString("cipher", value.Cipher);
        writer.WriteEndObject();
    }

    /// <summary>Whether a stored JSON value is an encrypted personal field.</summary>
    public static bool IsEncrypted(System.Text.Json.Nodes.JsonNode? node) =>
        node is System.Text.Json.Nodes.JsonObject { Count: 2 } o && o.ContainsKey("subject") && o.ContainsKey("cipher");
}

/// <param name="Person">the person it belongs to; null for a tip's alias, whose own subject keys it (docs/privacy.md)</param>
public readonly record struct PersonalField(Personal Value, Guid? Person);

/// <summary>An event that holds personal fields: each is encrypted on append and revealed on read.</summary>
public interface IHoldsPersonalData
{
    IEnumerable<PersonalField> PersonalFields { get; }
}

/// <summary>What readers see in place of personal fields they may not (or can no longer) read.</summary>
public static class Withheld
{
    public const string Sealed = "[sealed]";
    public const string Expunged = "[expunged]";

    public static bool Is(string? text) => text is Sealed or Expunged;
}

/// <summary>
/// A person's personal fields as one identification gives them, and the one rule for withholding
/// them: the name reads the placeholder, aliases read one placeholder (not one per alias, which
/// would tell how many), a nationality that was given reads the placeholder.
/// </summary>
public readonly record struct PersonFields(string Name, IReadOnlyList<string> Aliases, string? Nationality)
{
    public PersonFields Withheld(string placeholder) =>
        new(placeholder, Aliases.Count > 0 ? [placeholder] : [], Nationality is null ? null : placeholder);

    /// <summary>
    /// The fields of a revealed identification. When its key was destroyed every field reads
    /// <see cref="Privacy.Withheld.Expunged"/>, and the whole is withheld by the same rule as a
    /// read model rewritten by the expungement, so that a rebuild gives the same documents.
    /// </summary>
    public static PersonFields Of(Personal name, IEnumerable<Personal> aliases, Personal? nationality)
    {
        var fields = new PersonFields(name.Text, [.. aliases.Select(x => x.Text)], nationality?.Text);
        return name.Text == Privacy.Withheld.Expunged ? fields.Withheld(Privacy.Withheld.Expunged) : fields;
    }
}
