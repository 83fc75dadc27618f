using System.Reflection;
using System.Text.Json.Serialization;
using Wolverine.Http;

namespace CaseTracker.Api.Cases;

/// <summary>
/// The answer to every accepted command: the case, its version after the append and the id of the
/// entry the command created. It is derived from the appended event alone, so a replayed
/// Idempotency-Key answers exactly what the first request answered.
/// </summary>
public record CommandAccepted(Guid CaseId, long Version) : IHttpAware
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Guid? TipId { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Guid? DefendantId { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Guid? ArrestId { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Guid? SeizureId { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Guid? ChargeId { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Guid? VerdictId { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Guid? SentenceId { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Guid? CommutationId { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Guid? ReferralId { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Guid? OutcomeId { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Guid? LinkId { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Guid? RetractionId { get; init; }

    /// <summary>Set when the command opened the case: the answer is then 201 with this Location.</summary>
    [JsonIgnore]
    public string? Location { get; init; }

    public static CommandAccepted For(Guid caseId, long version, object appended)
    {
        var accepted = new CommandAccepted(caseId, version);
        return appended switch
        {
            CaseOpened => accepted with { Location = $"/api/cases/{caseId}" },
            TipReceived e => accepted with { TipId = e.TipId },
            DefendantIdentified e => accepted with { DefendantId = e.DefendantId },
            ArrestMade e => accepted with { ArrestId = e.ArrestId },
            DrugsSeized e => accepted with { SeizureId = e.SeizureId },
            ChargeFiled e => accepted with { ChargeId = e.ChargeId },
            VerdictReached e => accepted with { VerdictId = e.VerdictId },
            SentenceHanded e => accepted with { SentenceId = e.SentenceId },
            SentenceCommuted e => accepted with { CommutationId = e.CommutationId },
            LeadReferred e => accepted with { ReferralId = e.ReferralId },
            ReferralOutcomeReported e => accepted with { OutcomeId = e.OutcomeId },
            CaseLinked e => accepted with { LinkId = e.LinkId },
            EntryRetracted e => accepted with { RetractionId = e.RetractionId },
            _ => accepted
        };
    }

    /// <summary>The answer for a command decided against <paramref name="current"/>: one event, one version on.</summary>
    public static CommandAccepted For(Case current, object appended) =>
        For(current.Id, current.Version + 1, appended);

    [JsonIgnore]
    public int StatusCode => Location is null ? StatusCodes.Status200OK : StatusCodes.Status201Created;

    /// <summary>The 200 answer with this body is already described by Wolverine; nothing to add.</summary>
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
    }

    void IHttpAware.Apply(HttpContext context)
    {
        context.Response.StatusCode = StatusCode;
        if (Location is not null) context.Response.Headers.Location = Location;
    }
}
