using System.Security.Cryptography;
using System.Text;

namespace CaseTracker.Api.Audit;

/// <summary>
/// Signs each event hash with a key that lives in the application's configuration (<c>Audit:Key</c>)
/// and never in the database, so whoever can rewrite rows, and recompute the plain SHA-256 chain,
/// still cannot forge the signatures.
/// </summary>
public sealed class AuditKey
{
    public const string DevelopmentKey = "casetracker-development-audit-key-not-for-production";

    private readonly byte[] _key;

    public AuditKey(string key) => _key = Encoding.UTF8.GetBytes(key);

    public static AuditKey From(IConfiguration configuration, IHostEnvironment environment)
    {
        var key = configuration["Audit:Key"];
        if (string.IsNullOrWhiteSpace(key) && environment.IsDevelopment()) key = DevelopmentKey;
        if (string.IsNullOrWhiteSpace(key) || Encoding.UTF8.GetByteCount(key) < 32)
        {
            throw new InvalidOperationException("Audit:Key (env Audit__Key) must be set to a secret of at least 32 bytes, distinct from Auth:SigningKey.");
        }

        return new AuditKey(key);
    }

    public string Sign(string hash) => Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(hash)));

    public bool Verify(string hash, string? signature) =>
        signature is not null && CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(Sign(hash)), Encoding.ASCII.GetBytes(signature));
}
