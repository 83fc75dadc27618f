using CaseTracker.Api.Audit;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Defendants;
using CaseTracker.Api.Http;
using CaseTracker.Api.Storage;
using JasperFx.Events;
using Marten;
using Marten.Events;
using Marten.Events.Aggregation;
using Marten.Events.Projections;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http.Marten;

namespace CaseTracker.Api.Privacy;

/// <summary>
/// A fact on a person's own record, a stream whose id is the person's id, chained and signed like a
/// case's: court orders, and merges of other people into this one (docs/merges.md).
/// </summary>
public interface IPersonEvent : IFact
{
    /// <summary>The person whose record this is.</summary>
    Guid DefendantId { get; }
}

/// <summary>A court order about a person, on their own record.</summary>
public interface IPersonOrder : IPersonEvent
{

    /// <summary>
    /// The keys the order covers: the person's own, and for each name or alias the person was ever
    /// identified under, the key of that alias in tips (docs/privacy.md); the same for every person
    /// in <see cref="Merged"/>. Written into the order so that what it covered is on record and
    /// every projection of it reads the same.
    /// </summary>
    IReadOnlyList<Guid> Subjects { get; }

    /// <summary>
    /// The people merged into this one when the order was made (docs/merges.md): one person to the
    /// court, so the order covers them too. Absent from orders recorded before orders covered
    /// merged people: those covered their own person only (docs/privacy.md).
    /// </summary>
    IReadOnlyList<Guid>? Merged { get; }
}

public static class PersonOrders
{
    /// <summary>Every person the order is about: its record's person, then those merged into them.</summary>
    public static IReadOnlyList<Guid> People(this IPersonOrder order) => [order.DefendantId, .. order.Merged ?? []];
}

public record RecordSealed(
    Guid DefendantId, string OrderRef, string Court, DateTimeOffset SealedAt, string? Reason, IReadOnlyList<Guid> Subjects, IReadOnlyList<Guid>? Merged = null)
    : IPersonOrder
{
    DateTimeOffset IFact.OccurredAt => SealedAt;
}

/// <param name="Subjects">the subjects the lifted seal covered</param>
/// <param name="Merged">the people merged into this one whom the lifted seal covered</param>
public record RecordUnsealed(Guid DefendantId, string OrderRef, DateTimeOffset LiftedAt, IReadOnlyList<Guid> Subjects, IReadOnlyList<Guid>? Merged = null)
    : IPersonOrder
{
    DateTimeOffset IFact.OccurredAt => LiftedAt;
}

/// <summary>
/// The keys of the people it covers are destroyed and every clear copy of their personal fields
/// rewritten, in the transaction that appends this (<see cref="ClearCopies"/>). Irreversible.
/// </summary>
public record RecordExpunged(
    Guid DefendantId, string OrderRef, string Court, DateTimeOffset ExpungedAt, IReadOnlyList<Guid> Subjects, IReadOnlyList<Guid>? Merged = null)
    : IPersonOrder
{
    DateTimeOffset IFact.OccurredAt => ExpungedAt;
}

/// <summary>The write model of a person's record: what the order deciders need.</summary>
public class PersonRecord
{
    public Guid Id { get; set; }
    public long Version { get; set; }
    public bool Sealed { get; set; }

    /// <summary>What the standing seal covers, for its lifting to name.</summary>
    public List<Guid> SealedSubjects { get; set; } = [];

    /// <summary>The people merged into this one whom the standing seal covers.</summary>
    public List<Guid> SealedMerged { get; set; } = [];

    /// <summary>Every merge of another person into this one, standing or reversed, oldest first.</summary>
    public List<PersonMerge> Merges { get; set; } = [];

    public static PersonRecord? Fold(PersonRecord? current, Guid id, IEvent e)
    {
        if (e.Data is not IPersonEvent) return current;

        var next = current ?? new PersonRecord { Id = id };
        switch (e.Data)
        {
            case RecordSealed x:
                next.Sealed = true;
                next.SealedSubjects = [.. x.Subjects];
                next.SealedMerged = [.. x.Merged ?? []];
                break;
            case RecordUnsealed:
                next.Sealed = false;
                next.SealedSubjects = [];
                next.SealedMerged = [];
                break;
            case DefendantsMerged x:
                next.Merges.Add(new PersonMerge(x.MergeId, x.MergedDefendantId, Reversed: false));
                break;
            case DefendantsUnmerged x:
                next.Merges = [.. next.Merges.Select(m => m.MergeId == x.MergeId ? m with { Reversed = true } : m)];
                break;
        }

        next.Version = e.Version;
        return next;
    }
}

/// <param name="MergedDefendantId">the person merged into the record's person</param>
public record PersonMerge(Guid MergeId, Guid MergedDefendantId, bool Reversed);

/// <summary>Inline, so an order or a merge is decided against the record as committed.</summary>
public partial class PersonRecordProjection : SingleStreamProjection<PersonRecord, Guid>
{
    public PersonRecordProjection()
    {
        // Only person records: a case's appends need no look-up of a person record of the case's id.
        IncludeType<IPersonEvent>();
    }

    public override PersonRecord? Evolve(PersonRecord? snapshot, Guid id, IEvent e) => PersonRecord.Fold(snapshot, id, e);
}

public static class OrderKinds
{
    public const string Sealed = "sealed";
    public const string Expunged = "expunged";
}

/// <summary>
/// That an order withholds one subject's personal fields: found by subject when a read shows them.
/// One row per subject and person, as two people may share an alias.
/// </summary>
public class SubjectOrder
{
    public string Id { get; set; } = "";
    public Guid Subject { get; set; }

    /// <summary>The person whose record holds the order.</summary>
    public Guid Person { get; set; }

    /// <summary>
    /// Whether the subject is the key of a person the order is about (their id), not of a name in
    /// tips: an expunged person reads expunged for good, while a tip recorded after the order may
    /// name the same alias again as a new record.
    /// </summary>
    public bool OfPerson { get; set; }

    /// <summary>
    /// <see cref="OfPerson"/>, read so that a row written before it was kept (an order then covered
    /// only its own person's id) answers the same; <see cref="Disclosure.UnderOrderAsync"/> and the
    /// possible-duplicates query ask it in SQL.
    /// </summary>
    public bool CoversPerson() => OfPerson || Subject == Person;

    /// <summary><see cref="OrderKinds"/></summary>
    public string Kind { get; set; } = OrderKinds.Sealed;

    public static string IdFor(Guid subject, Guid person) => $"{subject:N}:{person:N}";
}

/// <summary>Inline, in the order's own transaction, so that no read after the answer shows what it withholds.</summary>
public partial class SubjectOrdersProjection : EventProjection
{
    public SubjectOrdersProjection()
    {
        IncludeType<RecordSealed>();
        IncludeType<RecordUnsealed>();
        IncludeType<RecordExpunged>();
    }

    public override ValueTask ApplyAsync(IDocumentOperations operations, IEvent e, CancellationToken cancellation)
    {
        switch (e.Data)
        {
            case RecordSealed x:
                Store(operations, x, OrderKinds.Sealed);
                break;
            case RecordUnsealed x:
                foreach (var subject in x.Subjects) operations.Delete<SubjectOrder>(SubjectOrder.IdFor(subject, x.DefendantId));
                break;
            case RecordExpunged x:
                Store(operations, x, OrderKinds.Expunged);
                break;
        }

        return ValueTask.CompletedTask;
    }

    private static void Store(IDocumentOperations operations, IPersonOrder order, string kind)
    {
        var people = order.People();
        foreach (var subject in order.Subjects)
        {
            operations.Store(new SubjectOrder
            {
                Id = SubjectOrder.IdFor(subject, order.DefendantId), Subject = subject, Person = order.DefendantId, OfPerson = people.Contains(subject), Kind = kind,
            });
        }
    }
}

/// <summary>The answer to a court order: the person and the version of their record after it.</summary>
public record OrderRecorded(Guid DefendantId, long Version)
{
    public static OrderRecorded For(PersonRecord? current, Guid defendantId) => new(defendantId, (current?.Version ?? 0) + 1);
}

/// <summary>
/// The person an order is about, from the route's <c>defendantId</c>: their record, loaded under
/// its stream lock (an order is the record's first event as often as not).
/// </summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class WritePersonAttribute : AggregateAttribute
{
    public WritePersonAttribute() : base("defendantId")
    {
        LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive;
        Required = false;
    }
}

/// <summary>
/// Every name and alias a person was ever identified under (retracted identifications too, which
/// time travel still shows), read from the events, with those of the people merged into them now
/// (one person to a court: an order covers them too), and the subjects an order about them covers.
/// </summary>
/// <param name="Merged">the people merged into this one, whom an order made now covers</param>
/// <param name="Expunged">whether an expungement already covers the person, by their own record's order or their survivor's</param>
/// <param name="StoredInClear">
/// whether an event stored before encryption holds one of them in the clear, which an expungement
/// could not destroy (docs/privacy.md, existing databases); asked only with <c>inClear</c>, as
/// finding such tips reads every tip event stored in the clear
/// </param>
public sealed record PersonNames(
    Guid DefendantId, IReadOnlyList<Guid> Merged, IReadOnlyList<string> Names, IReadOnlyList<Guid> Subjects, bool Expunged, bool StoredInClear)
{
    /// <returns>null when nobody with this id was ever identified</returns>
    public static async Task<PersonNames?> LoadAsync(IQuerySession session, PersonalKeys keys, Guid defendantId, CancellationToken ct, bool inClear = false)
    {
        if ((await DefendantEndpoints.CasesOf(session, defendantId, ct)).Length == 0) return null;

        var merged = await session.Query<MergedPerson>().Where(x => x.SurvivorId == defendantId).OrderBy(x => x.Id).Select(x => x.Id).ToListAsync(ct);
        return await OfAsync(session, keys, defendantId, [.. merged], ct, inClear);
    }

    /// <summary>The same for the person and the people an order names as merged into them.</summary>
    public static async Task<PersonNames> OfAsync(
        IQuerySession session, PersonalKeys keys, Guid defendantId, IReadOnlyList<Guid> merged, CancellationToken ct, bool inClear = false)
    {
        Guid[] people = [defendantId, .. merged];
        var cases = await DefendantEndpoints.CasesOf(session, people, ct);
        var identifications = (await session.Events.Everything()
                .Where(x => x.StreamId.IsOneOf(cases) && x.EventTypesAre(typeof(DefendantIdentified)))
                .ToListAsync(ct))
            .Select(x => x.Data).OfType<DefendantIdentified>().Where(x => people.Contains(x.DefendantId)).ToList();
        var clear = identifications.Any(x => x.Name.Cipher is null);
        await keys.RevealAsync(session, identifications, ct);

        var names = identifications
            .SelectMany(x => x.Aliases.Prepend(x.Name)).Select(x => x.Text)
            .Where(x => !Withheld.Is(x)).Distinct(StringComparer.Ordinal).ToList();
        var naming = await keys.NamingAsync(session.DocumentStore, ct);
        Guid[] subjects = [.. people, .. names.Select(naming.Subject).Distinct()];
        return new PersonNames(defendantId, merged, names, subjects, await Disclosure.ExpungedAsync(session, defendantId, ct),
            inClear && (clear || await TipsInClearNameAsync(session, naming, names, ct)));
    }

    /// <summary>Tips stored before encryption, whose subject alias is one of these names.</summary>
    private static async Task<bool> TipsInClearNameAsync(IQuerySession session, AliasNaming naming, IReadOnlyList<string> names, CancellationToken ct)
    {
        if (names.Count == 0) return false;
        var wanted = names.Select(AliasNaming.Normalise).ToHashSet(StringComparer.Ordinal);
        var aliases = await session.QueryAsync<string>(
            $"select data ->> 'subjectAlias' from {session.DocumentStore.Events()} where type = ? and jsonb_typeof(data -> 'subjectAlias') = 'string'",
            ct, typeof(TipReceived).GetEventTypeName());
        return aliases.Any(x => wanted.Contains(AliasNaming.Normalise(x)));
    }
}

/// <summary>What every order about a person must satisfy before its own rule is asked.</summary>
public static class PersonOrderRules
{
    /// <summary>Someone identified at some time; If-Match, against the person's record; not expunged.</summary>
    public static ProblemDetails? Check(Guid defendantId, PersonRecord? person, PersonNames? known, HttpContext http)
    {
        if (known is null) return Problems.NoDefendant(defendantId);

        var version = person?.Version ?? 0;
        if (ExpectedVersion.TryRead(http.Request, out var expected, out var malformed))
        {
            if (malformed) return Problems.Invalid("If-Match", "must be a version of the person's record such as \"2\"");
            if (expected != version)
            {
                return new ProblemDetails
                {
                    Status = StatusCodes.Status412PreconditionFailed,
                    Title = "The person's record has moved on",
                    Detail = $"If-Match named version {expected} but the record is at version {version}; nothing was recorded.",
                    Extensions = { ["currentVersion"] = version }
                };
            }
        }

        return known.Expunged
            ? Conflict($"The record of defendant {defendantId} was expunged; no order can change it any more.")
            : null;
    }

    public static ProblemDetails Conflict(string detail) => new()
    {
        Status = StatusCodes.Status409Conflict,
        Title = "Conflict with the person's record",
        Detail = detail
    };
}
