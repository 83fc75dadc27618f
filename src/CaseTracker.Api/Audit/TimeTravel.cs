using System.Security.Claims;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Http;
using CaseTracker.Api.Storage;
using JasperFx.Events;
using Marten;
using Microsoft.AspNetCore.Mvc;

namespace CaseTracker.Api.Audit;

/// <summary>
/// The bounds of a time-travel read of a stream (a case, an exhibit): <c>version</c> (of that
/// stream), <c>knownAt</c> (recording time: what the system knew then) or <c>asOf</c> (business
/// time: what had happened by then, as known now).
/// </summary>
public sealed record TimeTravel(long? Version, DateTimeOffset? KnownAt, DateTimeOffset? AsOf)
{
    public bool IsPresent => Version is not null || KnownAt is not null || AsOf is not null;

    /// <summary>At most one bound, sensible values, and only for auditors and admins.</summary>
    public ProblemDetails? Refusal(ClaimsPrincipal user)
    {
        if (new object?[] { Version, KnownAt, AsOf }.Count(x => x is not null) > 1)
        {
            return Problems.Invalid("version", "name at most one of version, knownAt and asOf");
        }

        if (Version is < 1) return Problems.Invalid("version", "must be 1 or more");

        return IsPresent && !user.IsInRole(Roles.Auditor) && !user.IsInRole(Roles.Admin)
            ? new ProblemDetails { Status = StatusCodes.Status403Forbidden, Title = "Time travel is for auditors", Detail = "Officers and analysts read the current state." }
            : null;
    }

    /// <summary>
    /// Whether an event falls inside an <c>asOf</c> bound. A retraction corrects the record rather
    /// than happening in the world, so "as known now" applies every retraction whatever its own date.
    /// </summary>
    public bool HadHappened(object data) => AsOf is not { } asOf || HappenedBy(data) is { } at && at <= asOf;

    /// <summary>
    /// The earliest <c>asOf</c> bound that includes the event: its business time, the earliest time
    /// of all for a retraction; null for data that is no fact, which no <c>asOf</c> bound includes.
    /// </summary>
    public static DateTimeOffset? HappenedBy(object data) => data switch
    {
        Cases.EntryRetracted => DateTimeOffset.MinValue,
        IFact fact => fact.OccurredAt,
        _ => null,
    };

    /// <summary>The stream's events within the bound, oldest first, for a read model to fold.</summary>
    public Task<IReadOnlyList<IEvent>> EventsAsync(IQuerySession session, Guid streamId, CancellationToken ct) => EventsAsync(session, streamId, 0, ct);

    /// <summary>
    /// The stream's events within the bound after version <paramref name="after"/>, oldest first: for
    /// a fold that starts from a checkpoint of the state at that version.
    /// </summary>
    public async Task<IReadOnlyList<IEvent>> EventsAsync(IQuerySession session, Guid streamId, long after, CancellationToken ct) => this switch
    {
        { Version: { } version } => await session.Events.ReadStreamAsync(streamId, ct, upToVersion: version, fromVersion: after + 1),
        { KnownAt: { } knownAt } => await session.Events.ReadStreamAsync(streamId, ct, knownAt: knownAt, fromVersion: after + 1),
        _ => [.. (await session.Events.ReadStreamAsync(streamId, ct, fromVersion: after + 1)).Where(e => HadHappened(e.Data))]
    };
}
