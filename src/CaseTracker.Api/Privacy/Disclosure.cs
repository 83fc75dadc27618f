using System.Security.Claims;
using System.Text.Json.Nodes;
using CaseTracker.Api.Audit;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using Marten;
using Marten.Linq.MatchesSql;

namespace CaseTracker.Api.Privacy;

/// <summary>
/// What one reader may see of the people an answer names, by the orders standing on them: the one
/// place reads ask. A sealed subject's fields (the person's, and tips naming one of their names or
/// aliases) read <c>[sealed]</c> to officers and analysts, a sealed person is not found at all, and
/// auditors and admins see them with the read on record. An expunged person's fields read
/// <c>[expunged]</c> to everyone: they are already gone from storage, and withholding them here too
/// covers the moment between the order and the asynchronous profile catching up with it. Tips
/// naming an expunged alias were rewritten by the order; a tip recorded after it is a new record.
/// </summary>
public sealed class Disclosure
{
    private readonly ILookup<Guid, SubjectOrder> _orders;
    private readonly bool _seesSealed;

    private Disclosure(ILookup<Guid, SubjectOrder> orders, bool seesSealed)
    {
        _orders = orders;
        _seesSealed = seesSealed;
    }

    public static async Task<Disclosure> ForAsync(IQuerySession session, ClaimsPrincipal reader, IEnumerable<Guid> subjects, CancellationToken ct)
    {
        var ids = subjects.Distinct().ToArray();
        IReadOnlyList<SubjectOrder> orders = ids.Length == 0 ? [] : await session.Query<SubjectOrder>().Where(x => x.Subject.IsOneOf(ids)).ToListAsync(ct);
        return new Disclosure(orders.ToLookup(x => x.Subject), CaseAccess.SeesEverything(reader));
    }

    /// <summary>What this reader reads instead of the subject's fields, or null when they read them.</summary>
    public string? Placeholder(Guid subject)
    {
        var orders = _orders[subject].ToList();
        if (orders.Any(x => x.Kind == OrderKinds.Expunged && x.CoversPerson())) return Withheld.Expunged;
        return !_seesSealed && orders.Any(x => x.Kind == OrderKinds.Sealed) ? Withheld.Sealed : null;
    }

    /// <summary>A sealed person this reader may not find: answered exactly like an unknown one.</summary>
    public bool Hides(Guid person) => Placeholder(person) == Withheld.Sealed;

    /// <summary>The same for another reader of the same subjects (a subscriber, judged by the role they subscribed with).</summary>
    public bool Hides(Guid person, ClaimsPrincipal reader) =>
        !CaseAccess.SeesEverything(reader) && _orders[person].Any(x => x.Kind == OrderKinds.Sealed);

    /// <summary>Puts the sealed people whose fields this answer shows (to an auditor or admin) in the read log.</summary>
    public void Record(HttpContext http)
    {
        if (!_seesSealed) return;
        // A person merged into the one a seal names is on record as themselves.
        ReadAudit.Disclosed(http, _orders.SelectMany(x => x).Where(x => x.Kind == OrderKinds.Sealed).Select(x => x.CoversPerson() ? x.Subject : x.Person));
    }

    /// <summary>The case as this reader may read it: people and tips under an order withheld.</summary>
    public static async Task<CaseDetails> ApplyAsync(IQuerySession session, PersonalKeys keys, HttpContext http, CaseDetails details, CancellationToken ct)
    {
        var aliases = details.Tips.Select(x => x.SubjectAlias).OfType<string>().Where(x => !Withheld.Is(x)).Distinct().ToList();
        var naming = aliases.Count > 0 ? await keys.NamingAsync(session.DocumentStore, ct) : null;
        var aliasSubjects = aliases.ToDictionary(x => x, x => naming!.Subject(x));

        var disclosure = await ForAsync(session, http.User, details.Defendants.Select(x => x.DefendantId).Concat(aliasSubjects.Values), ct);
        details.Defendants = [.. details.Defendants.Select(x => disclosure.Placeholder(x.DefendantId) is { } placeholder ? Withhold(x, placeholder) : x)];
        details.Tips = [.. details.Tips.Select(x => x.SubjectAlias is { } alias && aliasSubjects.TryGetValue(alias, out var subject)
                                                    && disclosure.Placeholder(subject) is { } placeholder
            ? x with { SubjectAlias = placeholder }
            : x)];
        disclosure.Record(http);
        return details;
    }

    /// <summary>
    /// Events as stored JSON (the history, the case file's timeline) as this reader may read them:
    /// each encrypted field revealed, or withheld by the orders on its subject.
    /// </summary>
    public static async Task RevealJsonAsync(IQuerySession session, PersonalKeys keys, HttpContext http, IEnumerable<JsonNode?> documents, CancellationToken ct)
    {
        var fields = PersonalKeys.EncryptedIn(documents);
        var disclosure = await ForAsync(session, http.User, fields.Select(x => x.Subject), ct);
        await keys.RevealFieldsAsync(session, fields, disclosure.Placeholder, ct);
        disclosure.Record(http);
    }

    /// <summary>An identification with the person's fields withheld, as shown and as an expungement stores it.</summary>
    public static CaseDefendant Withhold(CaseDefendant defendant, string placeholder)
    {
        var fields = new PersonFields(defendant.Name, defendant.Aliases, defendant.Nationality).Withheld(placeholder);
        return defendant with { Name = fields.Name, Aliases = fields.Aliases, Nationality = fields.Nationality };
    }

    /// <summary>
    /// Whether anyone identified in the case is under an order: then a client's copy from before
    /// the order may show what it withholds, so an <c>If-None-Match</c> is answered in full, not 304.
    /// </summary>
    public static async Task<bool> AnyOrderInCaseAsync(IQuerySession session, Guid caseId, CancellationToken ct)
    {
        var entries = session.DocumentStore.Options.FindOrResolveDocumentType(typeof(CaseDetailsEntry)).TableName.QualifiedName;
        return await session.Query<SubjectOrder>()
            .Where(x => x.MatchesSql($"d.subject in (select identified_defendant_id from {entries} where case_id = ?)", caseId))
            .AnyAsync(ct);
    }

    /// <summary>
    /// Whether an order of this kind (any, without one) stands on the person: made on their own
    /// record, or on the record of the person they were merged into when it was made.
    /// </summary>
    public static Task<bool> UnderOrderAsync(IQuerySession session, Guid person, CancellationToken ct, string? kind = null) =>
        session.Query<SubjectOrder>().AnyAsync(x => x.Subject == person && (x.OfPerson || x.Person == person) && (kind == null || x.Kind == kind), ct);

    public static Task<bool> ExpungedAsync(IQuerySession session, Guid person, CancellationToken ct) => UnderOrderAsync(session, person, ct, OrderKinds.Expunged);

    /// <summary>Whether the text is a name or alias of someone whose record was expunged: a search for it is not kept as typed.</summary>
    public static async Task<bool> NamesExpungedAsync(IQuerySession session, PersonalKeys keys, string text, CancellationToken ct)
    {
        var subject = (await keys.NamingAsync(session.DocumentStore, ct)).Subject(text);
        return await session.Query<SubjectOrder>().AnyAsync(x => x.Subject == subject && x.Kind == OrderKinds.Expunged, ct);
    }

    /// <summary>SQL true for people nobody sealed (the person's id in <paramref name="person"/>): how searches skip sealed people for readers who may not find them.</summary>
    public static string NotSealed(IDocumentStore store, string person) =>
        $"not exists (select 1 from {store.Options.FindOrResolveDocumentType(typeof(SubjectOrder)).TableName.QualifiedName} o " +
        $"where o.subject = {person} and o.kind = '{OrderKinds.Sealed}')";
}
