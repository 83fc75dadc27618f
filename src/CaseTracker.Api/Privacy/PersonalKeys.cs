using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Marten;

namespace CaseTracker.Api.Privacy;

/// <summary>
/// One subject's data key, wrapped by the master key: a row of its own table, the only place the
/// key exists. An expungement deletes it, so every ciphertext made with it becomes unreadable while
/// the events, and the hash chain over them, stay as they were.
/// </summary>
public class PersonalKey
{
    public Guid Id { get; set; }

    /// <summary>
    /// The AES-256 key under the master key; null once an expungement destroyed a person's key.
    /// The row stays, holding nothing, so that no command decided before the order can encrypt
    /// anything new under that person's id afterwards.
    /// </summary>
    public string? Wrapped { get; set; }
}

/// <summary>
/// The key that wraps every data key (<c>Privacy:MasterKey</c>): it lives in configuration and
/// never in the database, so a copy of the database alone reveals no personal field. During a
/// rotation <c>Privacy:PreviousMasterKey</c> still unwraps keys not yet wrapped again (docs/privacy.md).
/// </summary>
public sealed class MasterKey
{
    /// <summary>Only for the Development environment, so a newcomer can run the product with no setup.</summary>
    public const string DevelopmentKey = "casetracker-development-privacy-key-not-for-production";

    private readonly byte[] _current;
    private readonly byte[]? _previous;

    public MasterKey(string secret, string? previous = null)
    {
        _current = Derive(secret);
        _previous = string.IsNullOrEmpty(previous) ? null : Derive(previous);
    }

    public static MasterKey From(IConfiguration configuration, IHostEnvironment environment)
    {
        var secret = configuration["Privacy:MasterKey"];
        if (string.IsNullOrWhiteSpace(secret) && environment.IsDevelopment()) secret = DevelopmentKey;
        if (string.IsNullOrWhiteSpace(secret) || Encoding.UTF8.GetByteCount(secret) < 32)
        {
            throw new InvalidOperationException(
                "Privacy:MasterKey (env Privacy__MasterKey) must be set to a secret of at least 32 bytes, kept out of the database and its backups; it protects every person's personal fields.");
        }

        return new MasterKey(secret, configuration["Privacy:PreviousMasterKey"]);
    }

    /// <summary>The secret is stretched into an AES-256 key, so any 32 bytes of entropy serve.</summary>
    private static byte[] Derive(string secret) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret), 32, info: "casetracker personal data keys v1"u8.ToArray());

    public string Wrap(Guid subject, byte[] dataKey) => Aead.Encrypt(_current, subject, dataKey);

    /// <summary>The data key, under the current master key or the previous one.</summary>
    public byte[] Unwrap(Guid subject, string wrapped) =>
        Aead.Decrypt(_current, subject, wrapped) ?? (_previous is null ? null : Aead.Decrypt(_previous, subject, wrapped))
        ?? throw new InvalidOperationException(
            $"The key of subject {subject} is not wrapped by Privacy:MasterKey (nor Privacy:PreviousMasterKey): the configured master key is not the one these keys were made with.");

    public bool IsCurrent(Guid subject, string wrapped) => Aead.Decrypt(_current, subject, wrapped) is not null;
}

/// <summary>AES-256-GCM with a random 96-bit nonce; the subject is the associated data, so a ciphertext moved to another subject does not decrypt.</summary>
internal static class Aead
{
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public static string Encrypt(byte[] key, Guid subject, ReadOnlySpan<byte> plaintext)
    {
        var sealedBytes = new byte[NonceSize + plaintext.Length + TagSize];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plaintext, sealedBytes.AsSpan(NonceSize, plaintext.Length), sealedBytes.AsSpan(NonceSize + plaintext.Length), subject.ToByteArray());
        return Convert.ToBase64String(sealedBytes);
    }

    /// <summary>The plaintext, or null when this key did not make this ciphertext (or it was altered).</summary>
    public static byte[]? Decrypt(byte[] key, Guid subject, string cipher)
    {
        var bytes = new byte[cipher.Length];
        if (!Convert.TryFromBase64String(cipher, bytes, out var length) || length < NonceSize + TagSize) return null;

        var body = length - NonceSize - TagSize;
        var plaintext = new byte[body];
        try
        {
            using var aes = new AesGcm(key, TagSize);
            aes.Decrypt(bytes.AsSpan(0, NonceSize), bytes.AsSpan(NonceSize, body), bytes.AsSpan(NonceSize + body, TagSize), plaintext, subject.ToByteArray());
            return plaintext;
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
    }
}

/// <summary>
/// The subject a tip's alias is encrypted under: a keyed hash of the alias, so that every tip naming
/// the same alias shares one key, and expunging a person known by it destroys that key too. The
/// hashing key is a data key like any other (kept wrapped in the key table), so it survives a
/// rotation of the master key, and without it the subject ids say nothing about the aliases.
/// </summary>
public sealed class AliasNaming(byte[] key)
{
    public Guid Subject(string alias) =>
        new(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(Normalise(alias))).AsSpan(0, 16));

    /// <summary>Compatibility form, lower case, single spaces: "Lao  LIU" and "lao liu" name one subject.</summary>
    public static string Normalise(string alias) =>
        string.Join(' ', alias.Normalize(NormalizationForm.FormKC).ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}

/// <summary>
/// Data keys: made and used as events are appended, found again to reveal events as they are read,
/// destroyed by an expungement. Keys are read from the database on every use and never cached, so
/// a key destroyed through one node is unusable on every node at once.
/// </summary>
public sealed class PersonalKeys(MasterKey master)
{
    /// <summary>
    /// The row of the key that names alias subjects. Not the empty id, which Marten replaces with a
    /// new one on insert; people's ids are random and alias subjects keyed hashes, so none is this.
    /// </summary>
    public static readonly Guid NamingKeyId = new("00000000-0000-0000-0000-000000000001");

    private AliasNaming? _naming;

    public MasterKey Master => master;

    /// <summary>The alias naming key, made once per database and kept (it is never destroyed, so it may be cached).</summary>
    public async ValueTask<AliasNaming> NamingAsync(IDocumentStore store, CancellationToken ct)
    {
        if (_naming is { } known) return known;

        for (var attempt = 0; ; attempt++)
        {
            await using (var query = store.QuerySession())
            {
                if (await query.LoadAsync<PersonalKey>(NamingKeyId, ct) is { Wrapped: { } wrapped })
                {
                    return _naming = new AliasNaming(master.Unwrap(NamingKeyId, wrapped));
                }
            }

            try
            {
                await using var session = store.LightweightSession();
                session.Insert(new PersonalKey { Id = NamingKeyId, Wrapped = master.Wrap(NamingKeyId, RandomNumberGenerator.GetBytes(32)) });
                await session.SaveChangesAsync(ct);
            }
            catch (Exception e) when (attempt < 3 && Http.WriteConflicts.IsConflict(e))
            {
                // Another node made it first; the next turn reads theirs.
            }
        }
    }

    /// <summary>
    /// Encrypts every field not yet encrypted, making keys for subjects that have none, in the
    /// session's own transaction. The key rows are read FOR SHARE, so an expungement of the same
    /// subject either waits for this append (and then rewrites what it wrote) or has committed first
    /// (and then this append is refused).
    /// </summary>
    internal async Task EncryptAsync(IDocumentSession session, IReadOnlyList<PersonalField> fields, CancellationToken ct)
    {
        var naming = await NamingAsync(session.DocumentStore, ct);
        var subjects = fields.Select(x => (x.Value, Subject: x.Person ?? naming.Subject(x.Value.Text))).ToList();
        var rows = await LockedAsync(session, [.. subjects.Select(x => x.Subject).Distinct()], "share", ct);

        var keys = new Dictionary<Guid, byte[]>();
        foreach (var (value, subject) in subjects)
        {
            if (!keys.TryGetValue(subject, out var key))
            {
                if (rows.TryGetValue(subject, out var row))
                {
                    key = row.Wrapped is { } wrapped ? master.Unwrap(subject, wrapped) : throw new ExpungedMeanwhileException(subject);
                }
                else
                {
                    key = RandomNumberGenerator.GetBytes(32);
                    session.Insert(new PersonalKey { Id = subject, Wrapped = master.Wrap(subject, key) });
                }

                keys[subject] = key;
            }

            Encrypt(value, subject, key);
        }
    }

    /// <summary>
    /// Encrypts a field with a data key the caller holds: for a bulk load, which appends without
    /// the session (and so without <see cref="PersonalDataEncryption"/>) and stores its keys itself,
    /// wrapped by <see cref="Master"/>.
    /// </summary>
    public static void Encrypt(Personal value, Guid subject, byte[] dataKey) =>
        value.Encrypted(subject, Aead.Encrypt(dataKey, subject, Encoding.UTF8.GetBytes(value.Text)));

    /// <summary>The key rows of these subjects, locked FOR SHARE or FOR UPDATE until the session's transaction ends.</summary>
    internal static async Task<Dictionary<Guid, PersonalKey>> LockedAsync(IDocumentSession session, Guid[] subjects, string strength, CancellationToken ct)
    {
        if (subjects.Length == 0) return [];
        var table = session.DocumentStore.Options.FindOrResolveDocumentType(typeof(PersonalKey)).TableName.QualifiedName;
        var rows = await session.QueryAsync<PersonalKey>($"select data from {table} where id = any(?) for {strength}", ct, subjects);
        return rows.ToDictionary(x => x.Id);
    }

    /// <summary>
    /// Puts the text back into the personal fields of events read from the store: the keys of all of
    /// them are read in one query. A field whose key is gone reads <see cref="Withheld.Expunged"/>.
    /// </summary>
    public async Task RevealAsync(IQuerySession session, IEnumerable<object> facts, CancellationToken ct)
    {
        var hidden = facts.OfType<IHoldsPersonalData>().SelectMany(x => x.PersonalFields).Select(x => x.Value).Where(x => !x.IsRevealed).ToList();
        if (hidden.Count == 0) return;

        var keys = await DataKeysAsync(session, hidden.Select(x => x.Subject), ct);
        foreach (var value in hidden) value.Revealed(Decrypt(keys, value.Subject, value.Cipher!));
    }

    /// <summary>The encrypted personal fields in events as stored JSON (the history, the case file), in place.</summary>
    public static IReadOnlyList<EncryptedField> EncryptedIn(IEnumerable<JsonNode?> documents)
    {
        var found = new List<EncryptedField>();
        foreach (var document in documents) Collect(document, found);
        return found;
    }

    /// <summary>
    /// Replaces each field by its text, or by what <paramref name="withheld"/> gives for its subject;
    /// a list whose items all read <see cref="Withheld.Expunged"/> becomes one, as read models show it.
    /// </summary>
    public async Task RevealFieldsAsync(IQuerySession session, IReadOnlyList<EncryptedField> fields, Func<Guid, string?> withheld, CancellationToken ct)
    {
        if (fields.Count == 0) return;

        var keys = await DataKeysAsync(session, fields.Select(x => x.Subject), ct);
        foreach (var (parent, slot, subject, cipher) in fields)
        {
            var text = JsonValue.Create(withheld(subject) ?? Decrypt(keys, subject, cipher));
            if (slot is string name) parent[name] = text;
            else parent[(int)slot] = text;
        }

        foreach (var list in fields.Select(x => x.Parent).OfType<JsonArray>().Distinct())
        {
            if (list.Count > 1 && list.All(x => x?.GetValueKind() == System.Text.Json.JsonValueKind.String && x.GetValue<string>() == Withheld.Expunged))
            {
                while (list.Count > 1) list.RemoveAt(list.Count - 1);
            }
        }
    }

    private static void Collect(JsonNode? node, List<EncryptedField> found)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (name, child) in o.ToList())
                {
                    if (Envelope(child) is { } envelope) found.Add(new EncryptedField(o, name, envelope.Subject, envelope.Cipher));
                    else Collect(child, found);
                }

                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    if (Envelope(a[i]) is { } envelope) found.Add(new EncryptedField(a, i, envelope.Subject, envelope.Cipher));
                    else Collect(a[i], found);
                }

                break;
        }
    }

    private static (Guid Subject, string Cipher)? Envelope(JsonNode? node) =>
        PersonalJson.IsEncrypted(node) && Guid.TryParse(node!["subject"]?.GetValue<string>(), out var subject) && node["cipher"]?.GetValue<string>() is { } cipher
            ? (subject, cipher)
            : null;

    /// <summary>Unwrapped keys by subject; a destroyed or missing key is absent.</summary>
    private async Task<Dictionary<Guid, byte[]>> DataKeysAsync(IQuerySession session, IEnumerable<Guid> subjects, CancellationToken ct)
    {
        var rows = await session.LoadManyAsync<PersonalKey>(ct, subjects.Distinct());
        return rows.Where(x => x.Wrapped is not null).ToDictionary(x => x.Id, x => master.Unwrap(x.Id, x.Wrapped!));
    }

    private static string Decrypt(Dictionary<Guid, byte[]> keys, Guid subject, string cipher) =>
        keys.TryGetValue(subject, out var key) && Aead.Decrypt(key, subject, cipher) is { } plaintext
            ? Encoding.UTF8.GetString(plaintext)
            : Withheld.Expunged;
}

/// <summary>An encrypted personal field found in stored JSON: where it sits (a property name or an index) and what it holds.</summary>
public readonly record struct EncryptedField(JsonNode Parent, object Slot, Guid Subject, string Cipher);

/// <summary>
/// An append that would encrypt under a person's key that an expungement destroyed after the command
/// was decided: a write conflict, so the command is decided again and meets the person as expunged.
/// </summary>
public sealed class ExpungedMeanwhileException(Guid subject)
    : Exception($"The key of {subject} was destroyed by an expungement while this command was decided.");
