using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace CaseTracker.Api.Audit;

/// <summary>
/// The asymmetric key that signs what leaves CaseTracker to be checked by others (checkpoints of
/// every stream's head): ECDSA over NIST P-256 with SHA-256, a FIPS 186 curve as CJIS expects.
/// The private key is <c>Audit:ExportKey</c> (PKCS#8 PEM) and lives only in configuration; anyone
/// holding the public key (served at <c>/.well-known/casetracker-export-key</c>) can verify
/// without the database or any secret.
/// </summary>
public sealed class ExportKey
{
    /// <summary>Only for the Development environment, like the other development keys: well known, never secret.</summary>
    public const string DevelopmentKey = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgvUrWR4VL1OR2Em4g
        DSxfgO5OHJZEQjOFiNs4W2v7mLihRANCAARGH7ELTI8rmPA5/eoA1hY1KpegwSf8
        itP9PiRP33oBWCUXM6PJBb1xGONbWBpQH3TgNTw4wgxUnFCur0dapSUd
        -----END PRIVATE KEY-----
        """;

    /// <summary>The public half of <see cref="DevelopmentKey"/>: what an export from a Development run verifies with.</summary>
    public static string DevelopmentPublicKey { get; } = new ExportKey(DevelopmentKey).PublicKeyPem;

    private readonly ECDsa _key;

    public ExportKey(string pkcs8Pem)
    {
        _key = ECDsa.Create();
        _key.ImportFromPem(pkcs8Pem);
        if (_key.KeySize != 256) throw new InvalidOperationException("Audit:ExportKey must be an ECDSA P-256 key.");
        PublicKeyPem = _key.ExportSubjectPublicKeyInfoPem();
    }

    public static ExportKey From(IConfiguration configuration, IHostEnvironment environment)
    {
        var pem = configuration["Audit:ExportKey"];
        if (string.IsNullOrWhiteSpace(pem) && environment.IsDevelopment()) pem = DevelopmentKey;
        if (string.IsNullOrWhiteSpace(pem))
        {
            throw new InvalidOperationException(
                "Audit:ExportKey (env Audit__ExportKey) must hold an ECDSA P-256 private key as PKCS#8 PEM " +
                "(openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256).");
        }

        try
        {
            return new ExportKey(pem);
        }
        catch (CryptographicException e)
        {
            throw new InvalidOperationException("Audit:ExportKey is not a PKCS#8 PEM ECDSA P-256 private key.", e);
        }
    }

    /// <summary>The public half, as SubjectPublicKeyInfo PEM.</summary>
    public string PublicKeyPem { get; }

    /// <summary>Where a signed statement carries its signature.</summary>
    public const string Signature = "signature";

    /// <summary>
    /// The statement with its signature over its canonical JSON (<see cref="HashChain.CanonicalBytes"/>)
    /// added: how everything CaseTracker hands out for others to check is signed (checkpoints,
    /// exports, case files).
    /// </summary>
    public JsonObject Signed(JsonObject statement)
    {
        statement[Signature] = Sign(HashChain.CanonicalBytes(statement));
        return statement;
    }

    /// <summary>What a signed document states, without its signature, if the signature verifies with the public key; else null.</summary>
    public static JsonObject? Verified(JsonObject signed, string publicKeyPem)
    {
        var statement = signed.DeepClone().AsObject();
        var signature = statement[Signature] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
        statement.Remove(Signature);
        return Verify(publicKeyPem, HashChain.CanonicalBytes(statement), signature) ? statement : null;
    }

    /// <summary>Base64 of the IEEE P1363 signature (r ‖ s) over the bytes' SHA-256.</summary>
    public string Sign(byte[] data) => Convert.ToBase64String(_key.SignData(data, HashAlgorithmName.SHA256));

    public static bool Verify(string publicKeyPem, byte[] data, string? signature)
    {
        using var key = ECDsa.Create();
        key.ImportFromPem(publicKeyPem);
        try
        {
            return signature is not null && key.VerifyData(data, Convert.FromBase64String(signature), HashAlgorithmName.SHA256);
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
