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
}
