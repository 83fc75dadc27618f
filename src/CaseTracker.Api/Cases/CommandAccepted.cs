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
            EntryRetracted e => accepted with { RetractionId = e.RetractionId },
            ICaseEntryEvent { Entry: var entry } => WithEntry(accepted, entry),
            // The other facts (closure, restriction) create nothing a later command could name.
            _ => accepted
        };
    }

    /// <summary>The created entry's id under its own name: every kind has one, or this does not compile.</summary>
    private static CommandAccepted WithEntry(CommandAccepted accepted, EntryFacts entry) => entry.Kind switch
    {
        EntryKind.Tip => accepted with { TipId = entry.Id },
        EntryKind.Defendant => accepted with { DefendantId = entry.Id },
        EntryKind.Arrest => accepted with { ArrestId = entry.Id },
        EntryKind.Seizure => accepted with { SeizureId = entry.Id },
        EntryKind.Charge => accepted with { ChargeId = entry.Id },
        EntryKind.Verdict => accepted with { VerdictId = entry.Id },
        EntryKind.Sentence => accepted with { SentenceId = entry.Id },
        EntryKind.Commutation => accepted with { CommutationId = entry.Id },
        EntryKind.Referral => accepted with { ReferralId = entry.Id },
        EntryKind.Outcome => accepted with { OutcomeId = entry.Id },
        EntryKind.Link => accepted with { LinkId = entry.Id },
    };

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
