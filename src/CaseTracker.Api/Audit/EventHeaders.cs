namespace CaseTracker.Api.Audit;

/// <summary>Names of the Marten event headers CaseTracker writes on every event.</summary>
public static class EventHeaders
{
    public const string Role = "role";
    public const string Agency = "agency";
    public const string Hash = "hash";
    public const string PreviousHash = "previousHash";
    public const string Signature = "signature";
    public const string IdempotencyKey = "idempotencyKey";
    public const string RequestHash = "requestHash";

    /// <summary>Which canonical form the event's hash was computed over (absent: the first).</summary>
    public const string Seal = "seal";

    public const string CurrentSeal = "2";

    /// <summary>The headers that make the chain, and so cannot be covered by it.</summary>
    public static readonly IReadOnlySet<string> Chain = new HashSet<string> { Hash, PreviousHash, Signature };
}
