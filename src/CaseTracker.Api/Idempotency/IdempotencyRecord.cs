namespace CaseTracker.Api.Idempotency;

/// <summary>
/// That a user's Idempotency-Key has been used, for which request, and which event it appended.
/// Written in the same transaction as that event (see <see cref="Audit.EventSeal"/>).
/// </summary>
/// <param name="CaseId">
/// the stream the event was appended to: a case's, or an exhibit's (the name predates exhibits and
/// is kept so that stored records still read)
/// </param>
public record IdempotencyRecord(string Id, string RequestHash, Guid CaseId, long Version)
{
    /// <summary>Keys are scoped to the user; the length prefix keeps "a:b"+"c" apart from "a"+"b:c".</summary>
    public static string IdFor(string user, string key) => $"{user.Length}:{user}:{key}";
}
