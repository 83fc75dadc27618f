using CaseTracker.Api.Storage;
using System.Security.Claims;
using CaseTracker.Api.Audit;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Privacy;
using JasperFx.Events;
using Marten;
using Marten.Events;
using Marten.Events.Projections;
using Marten.Linq.MatchesSql;

namespace CaseTracker.Api.Defendants;

/// <summary>
/// Another person is found to be this one: recorded on the survivor's own record (the stream whose
/// id is the survivor's id, which court orders use too), since a merge is a fact about people, not
/// about a case. No event is rewritten: facts recorded under the merged id stay under it, and every
/// read about either person puts the two together (docs/merges.md).
/// </summary>
/// <param name="DefendantId">the survivor: the person whose record this is, whose id readers see</param>
public record DefendantsMerged(Guid MergeId, Guid DefendantId, Guid MergedDefendantId, string Reason, DateTimeOffset MergedAt) : IPersonEvent
{
    DateTimeOffset IFact.OccurredAt => MergedAt;
}

/// <summary>A merge was wrong: from now on both people read exactly as if it had never been made.</summary>
public record DefendantsUnmerged(Guid MergeId, Guid DefendantId, Guid MergedDefendantId, string Reason, DateTimeOffset ReversedAt) : IPersonEvent
{
    DateTimeOffset IFact.OccurredAt => ReversedAt;
}

/// <summary>A person merged into another, while the merge stands: how every read finds the survivor.</summary>
public class MergedPerson
{
    /// <summary>The merged person's id.</summary>
    public Guid Id { get; set; }
    public Guid SurvivorId { get; set; }
    public Guid MergeId { get; set; }
    public DateTimeOffset MergedAt { get; set; }
}

/// <summary>
/// Inline, in the merge's own transaction, so that the answer to a merge and every read after it
/// agree. An insert, not a store: a person merged twice at once fails at commit (the key is theirs).
/// </summary>
public partial class MergedPeopleProjection : EventProjection
{
    public MergedPeopleProjection()
    {
        IncludeType<DefendantsMerged>();
        IncludeType<DefendantsUnmerged>();
    }

    public override ValueTask ApplyAsync(IDocumentOperations operations, IEvent e, CancellationToken cancellation)
    {
        switch (e.Data)
        {
            case DefendantsMerged x:
                operations.Insert(new MergedPerson { Id = x.MergedDefendantId, SurvivorId = x.DefendantId, MergeId = x.MergeId, MergedAt = x.MergedAt });
                break;
            case DefendantsUnmerged x:
                operations.Delete<MergedPerson>(x.MergedDefendantId);
                break;
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>A survivor and the people merged into them, in the order they were merged.</summary>
public sealed record MergeGroup(Guid SurvivorId, IReadOnlyList<Guid> MergedIds)
{
    public IReadOnlyList<Guid> Members => [SurvivorId, .. MergedIds];
}

/// <summary>Where every read about people learns who was merged into whom, and how it puts them together.</summary>
public static class PersonMerges
{
    /// <summary>The group a person belongs to now: theirs if they are a survivor or were never merged.</summary>
    public static async Task<MergeGroup> GroupOfAsync(IQuerySession session, Guid defendantId, CancellationToken ct) =>
        // Missing only when a reversal committed between the two queries: then they are alone.
        (await GroupsOfAsync(session, [defendantId], ct)).GetValueOrDefault(defendantId) ?? new MergeGroup(defendantId, []);

    /// <summary>
    /// The groups these people belong to now, in two queries whatever their number: by every
    /// member of each group found, so the people asked about are among the keys.
    /// </summary>
    public static async Task<IReadOnlyDictionary<Guid, MergeGroup>> GroupsOfAsync(IQuerySession session, IReadOnlyCollection<Guid> people, CancellationToken ct)
    {
        var ids = people.Distinct().ToArray();
        var merged = ids.Length == 0 ? [] : (await session.Query<MergedPerson>().Where(x => x.Id.IsOneOf(ids)).ToListAsync(ct)).ToDictionary(x => x.Id, x => x.SurvivorId);
        var byMember = new Dictionary<Guid, MergeGroup>();
        foreach (var group in await GroupsOfSurvivorsAsync(session, [.. ids.Select(x => merged.GetValueOrDefault(x, x)).Distinct()], ct))
        {
            foreach (var member in group.Members) byMember[member] = group;
        }

        return byMember;
    }

    /// <summary>
    /// The group a person belonged to at a time-travel bound, from the merges recorded on the
    /// records of the people they were ever merged with.
    /// </summary>
    public static async Task<MergeGroup> GroupAtAsync(IQuerySession session, Guid defendantId, TimeTravel travel, CancellationToken ct)
    {
        var records = await session.Query<PersonRecord>()
            .Where(x => x.Id == defendantId || x.Merges.Any(m => m.MergedDefendantId == defendantId))
            .Select(x => x.Id).ToListAsync(ct);
        if (records.Count == 0) return new MergeGroup(defendantId, []);

        var query = session.Events.Everything()
            .Where(x => x.StreamId.IsOneOf(records.ToArray()) && x.EventTypesAre(typeof(DefendantsMerged), typeof(DefendantsUnmerged)));
        if (travel.Version is { } sequence) query = query.Where(x => x.Sequence <= sequence);
        if (travel.KnownAt is { } knownAt) query = query.Where(x => x.Timestamp <= knownAt);

        // Merged person → survivor, as the merges within the bound left it.
        var standing = new Dictionary<Guid, Guid>();
        foreach (var e in (await query.OrderBy(x => x.Sequence).ToListAsync(ct)).Where(x => travel.HadHappened(x.Data)))
        {
            if (e.Data is DefendantsMerged merged) standing[merged.MergedDefendantId] = merged.DefendantId;
            else if (e.Data is DefendantsUnmerged unmerged) standing.Remove(unmerged.MergedDefendantId);
        }

        // The survivor's record is among those read: it holds every merge into them.
        var survivor = standing.GetValueOrDefault(defendantId, defendantId);
        return new MergeGroup(survivor, [.. standing.Where(x => x.Value == survivor).Select(x => x.Key)]);
    }

    /// <summary>
    /// The survivor's profile with everything recorded about the people merged into them: their
    /// cases, arrests, charges, verdicts and sentences, and their names among the survivor's. The
    /// stored profiles are not touched, so a reversal has nothing to undo.
    /// </summary>
    public static DefendantProfile Combine(DefendantProfile survivor, IReadOnlyList<DefendantProfile> merged)
    {
        if (merged.Count == 0) return survivor;

        var all = (DefendantProfile[])[survivor, .. merged];
        var combined = new DefendantProfile
        {
            DefendantId = survivor.DefendantId,
            // By when each identification was made, so the latest one still gives the nationality.
            Cases = [.. all.SelectMany(x => x.Cases).OrderBy(x => x.IdentifiedAt)],
            Arrests = [.. all.SelectMany(x => x.Arrests)],
            Charges = [.. all.SelectMany(x => x.Charges)],
            Verdicts = [.. all.SelectMany(x => x.Verdicts)],
            Sentences = [.. all.SelectMany(x => x.Sentences)],
            MergedIds = [.. merged.Select(x => x.DefendantId)],
        };
        combined.Summarise();
        return combined;
    }

    /// <summary>
    /// The group's profiles as this reader may see them, put together: each cut to the cases the
    /// reader may see, sealed people left out for readers who may not find them, expunged fields
    /// withheld. Null when the reader may not see the survivor: the group is then unknown to them.
    /// </summary>
    public static async Task<DefendantProfile?> VisibleAsync(
        IQuerySession session, MergeGroup group, ClaimsPrincipal reader, IReadOnlyCollection<Guid> hiddenCases, CancellationToken ct) =>
        (await VisibleAsync(session, [group], reader, hiddenCases, ct))[group.SurvivorId];

    /// <summary>Several groups as this reader may see them, in three queries whatever their number; by survivor.</summary>
    public static async Task<IReadOnlyDictionary<Guid, DefendantProfile?>> VisibleAsync(
        IQuerySession session, IReadOnlyList<MergeGroup> groups, ClaimsPrincipal reader, IReadOnlyCollection<Guid> hiddenCases, CancellationToken ct)
    {
        var members = groups.SelectMany(x => x.Members).Distinct().ToArray();
        var stored = members.Length == 0 ? [] : (await session.LoadManyAsync<DefendantProfile>(ct, members)).ToDictionary(x => x.DefendantId);
        var disclosure = await Disclosure.ForAsync(session, reader, members, ct);

        var visible = new Dictionary<Guid, DefendantProfile?>();
        foreach (var group in groups)
        {
            var shown = new List<DefendantProfile>();
            foreach (var id in group.Members)
            {
                if (stored.GetValueOrDefault(id)?.Without(hiddenCases) is not { } profile || disclosure.Hides(id)) continue;
                if (disclosure.Placeholder(id) == Withheld.Expunged) profile.Expunge();
                shown.Add(profile);
            }

            visible[group.SurvivorId] = shown.FirstOrDefault()?.DefendantId == group.SurvivorId ? Combine(shown[0], shown[1..]) : null;
        }

        return visible;
    }

    /// <summary>The groups of people not merged into anyone (survivors, or people never merged), in one query.</summary>
    public static async Task<IReadOnlyList<MergeGroup>> GroupsOfSurvivorsAsync(IQuerySession session, IReadOnlyList<Guid> survivors, CancellationToken ct)
    {
        var ids = survivors.Distinct().ToArray();
        var merged = ids.Length == 0 ? [] : await session.Query<MergedPerson>().Where(x => x.SurvivorId.IsOneOf(ids)).ToListAsync(ct);
        return [.. survivors.Select(survivor => new MergeGroup(survivor,
            [.. merged.Where(x => x.SurvivorId == survivor).OrderBy(x => x.MergedAt).ThenBy(x => x.Id).Select(x => x.Id)]))];
    }

    /// <summary>
    /// Profiles found by a search, each put together with the people merged into it (a search never
    /// finds a merged person on their own: <see cref="NotMerged"/>).
    /// </summary>
    public static async Task<List<DefendantProfile>> CompleteAsync(
        IQuerySession session, IReadOnlyList<DefendantProfile> found, ClaimsPrincipal reader, IReadOnlyCollection<Guid> hiddenCases, CancellationToken ct)
    {
        var groups = (await GroupsOfSurvivorsAsync(session, [.. found.Select(x => x.DefendantId)], ct)).Where(x => x.MergedIds.Count > 0).ToList();
        if (groups.Count == 0) return [.. found];

        var complete = await VisibleAsync(session, groups, reader, hiddenCases, ct);
        return [.. found.Select(x => complete.GetValueOrDefault(x.DefendantId) ?? x)];
    }

    /// <summary>
    /// Survivors with every one of <paramref name="patterns"/> (LIKE patterns) somewhere in their
    /// names and those of the people merged into them, as the cases the reader may see record them
    /// (<see cref="DefendantNames"/>), sealed people's names left out for readers who may not find
    /// them. Read apart from the search, so that the search's own conditions keep their indexes.
    /// </summary>
    public static async Task<Guid[]> SurvivorsNamedAsync(
        IQuerySession session, IReadOnlyList<string> patterns, Guid[] hiddenCases, bool findsSealed, CancellationToken ct)
    {
        if (patterns.Count == 0) return [];
        var store = session.DocumentStore;
        var names = store.Options.FindOrResolveDocumentType(typeof(DefendantNames)).TableName.QualifiedName;
        var sealedNames = findsSealed ? "" : " and " + Disclosure.NotSealed(store, "n.defendant_id");
        var sql = $"""
            select s.survivor_id from (select distinct survivor_id from {Table(store)}) s
            where (select count(distinct w.pattern) from {names} n join unnest(?::text[]) w(pattern) on n.text like w.pattern
                   where n.defendant_id = any(array[s.survivor_id] || array(select m.id from {Table(store)} m where m.survivor_id = s.survivor_id))
                     and n.case_id <> all(?){sealedNames}) = ?
            """;
        return [.. await session.QueryAsync<Guid>(sql, ct, patterns.ToArray(), hiddenCases, patterns.Count)];
    }

    /// <summary>SQL true for profiles (<c>d</c>) of people not merged into anyone: how lists and counts show each person once.</summary>
    public static string NotMerged(IDocumentStore store) => $"not exists (select 1 from {Table(store)} m where m.id = d.id)";

    public static string Table(IDocumentStore store) => store.Options.FindOrResolveDocumentType(typeof(MergedPerson)).TableName.QualifiedName;

    /// <summary>
    /// Holds, until the transaction ends, every other merge or reversal touching either person:
    /// their merge state is then read after the lock, so two merges that share a person cannot both
    /// be decided on what the other is about to change (docs/merges.md). Taken in id order, so two
    /// of them never wait on each other.
    /// </summary>
    public static async Task LockAsync(IDocumentSession session, Guid one, Guid other, CancellationToken ct)
    {
        await session.BeginTransactionAsync(ct);
        foreach (var id in new[] { one, other }.Distinct().Order())
        {
            await session.QueryAsync<int>("select 1 from (select pg_advisory_xact_lock(hashtextextended(?, 7)) as locked) as l", ct, id.ToString());
        }
    }
}
