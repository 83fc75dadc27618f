using System.Globalization;
using System.Text;
using CaseTracker.Api.Audit;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Http;
using CaseTracker.Api.Privacy;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CaseTracker.Api.Defendants;

/// <summary>
/// Names as people are compared: transliterations that differ only in diacritics, case,
/// punctuation or spacing fold to one key ("Zhāng Wěi", "ZHANG-Wei" and "zhang wei"). Word order
/// is left as written: PostgreSQL's trigrams compare words, not their order.
/// </summary>
public static class NameKeys
{
    /// <summary>Letters that no Unicode decomposition takes apart.</summary>
    private static readonly Dictionary<char, string> Unfoldable = new()
    {
        ['ß'] = "ss", ['æ'] = "ae", ['œ'] = "oe", ['ø'] = "o", ['đ'] = "d", ['ð'] = "d", ['ł'] = "l", ['þ'] = "th", ['ı'] = "i",
    };

    public static string Fold(string name)
    {
        var folded = new StringBuilder(name.Length);
        foreach (var c in name.Normalize(NormalizationForm.FormKD))
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark) continue;
            var lower = char.ToLowerInvariant(c);
            if (Unfoldable.TryGetValue(lower, out var replaced)) folded.Append(replaced);
            else folded.Append(char.IsLetterOrDigit(lower) ? lower : ' ');
        }

        return string.Join(' ', folded.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    public const string Separator = " | ";

    /// <summary>Each name folded once, in the order given: what <see cref="DefendantProfile.MatchText"/> holds.</summary>
    public static string Join(IEnumerable<string> names) =>
        string.Join(Separator, names.Select(Fold).Where(x => x.Length > 0).Distinct(StringComparer.Ordinal));

    public static IReadOnlyList<string> Split(string matchText) =>
        matchText.Split(Separator, StringSplitOptions.RemoveEmptyEntries);
}

/// <param name="Score">from 0 to 1: how alike the names are, raised or lowered by the other reasons</param>
/// <param name="Reasons">why, in words: the names first, then what raised the score, then what lowered it ("against: …")</param>
public record DuplicateCandidate(Guid DefendantId, string Name, double Score, IReadOnlyList<string> Reasons);

public record PossibleDuplicatesView(Guid DefendantId, IReadOnlyList<DuplicateCandidate> Candidates);

public static class PossibleDuplicatesEndpoint
{
    /// <summary>The most candidates an answer lists; the name search in PostgreSQL ranks a few more, for the other reasons to reorder.</summary>
    private const int Listed = 20;
    private const int Ranked = 50;

    /// <summary>Lists people who may be the same person as this one.</summary>
    /// <remarks>
    /// Best first. A candidate has a name or alias like one of this person's (PostgreSQL trigram
    /// similarity, after folding diacritics, case and punctuation; word order does not matter).
    /// The same nationality and a co-defendant in common (someone identified with each of them in
    /// a case the other is not in) raise the score. Being identified side by side in the same case
    /// lowers it, since an officer recorded them there as two people; such a candidate is still
    /// listed, for one person entered twice in a case.
    /// Only people this reader may see are considered, by what the cases they may see record;
    /// expunged people never are, nor are those already merged into this person.
    /// </remarks>
    [WolverineGet("/api/defendants/{defendantId:guid}/possible-duplicates", OperationId = "GetPossibleDuplicates")]
    [Authorize(Policy = Policies.ReadCases)]
    [ProducesResponseType<PossibleDuplicatesView>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    public static async Task<IResult> Get(Guid defendantId, IQuerySession session, HttpContext http, CancellationToken ct)
    {
        var hidden = await CaseVisibility.HiddenFrom(session, http.User, ct);
        var group = await PersonMerges.GroupOfAsync(session, defendantId, ct);
        if (await PersonMerges.VisibleAsync(session, group, http.User, hidden, ct) is not { } person)
        {
            return Results.Problem(Problems.NoDefendant(defendantId));
        }

        var names = NameKeys.Split(person.MatchText);
        var ranked = names.Count == 0 ? [] : await RankAsync(session, names, group.Members, CaseAccess.SeesEverything(http.User), ct);

        // Judged again on what the reader may see: a name only a hidden case records finds nobody.
        var visible = await PersonMerges.VisibleAsync(session, await PersonMerges.GroupsOfSurvivorsAsync(session, [.. ranked.Select(x => x.Person)], ct), http.User, hidden, ct);
        var candidates = ranked
            .Select(match => (Profile: visible.GetValueOrDefault(match.Person), Match: match))
            .Where(x => x.Profile is not null && NameKeys.Split(x.Profile.MatchText).Contains(x.Match.CandidateName))
            .Select(x => (Profile: x.Profile!, x.Match))
            .ToList();

        var coDefendants = await CoDefendantsAsync(session, [person, .. candidates.Select(x => x.Profile)], ct);
        var answer = candidates
            .Select(x => Judge(person, x.Profile, x.Match, coDefendants))
            .OrderByDescending(x => x.Score).ThenBy(x => x.Name, StringComparer.Ordinal).ThenBy(x => x.DefendantId)
            .Take(Listed)
            .ToList();

        ReadAudit.Shown(http, answer.Select(x => x.DefendantId));
        (await Disclosure.ForAsync(session, http.User, [person.DefendantId, .. person.MergedIds, .. candidates.SelectMany(x => x.Profile.MergedIds.Prepend(x.Profile.DefendantId))], ct)).Record(http);
        return Results.Json(new PossibleDuplicatesView(person.DefendantId, answer));
    }

    /// <param name="Person">the candidate's survivor (or the candidate, when not merged)</param>
    public sealed record NameMatch(Guid Person, string CandidateName, string TargetName, double Similarity);

    /// <summary>
    /// The people whose names are most like <paramref name="names"/>, best first, one row per
    /// person (a merged person counts as their survivor). The trigram index on the profiles' folded
    /// names finds them (<c>&lt;%</c>: a name like any run of words in their names); the best pair of
    /// names gives the similarity. Sealed people are left out for readers who may not find them,
    /// expunged people for everyone.
    /// </summary>
    private static async Task<IReadOnlyList<NameMatch>> RankAsync(
        IQuerySession session, IReadOnlyList<string> names, IReadOnlyList<Guid> group, bool seesSealed, CancellationToken ct)
    {
        var store = session.DocumentStore;
        var profiles = store.Options.FindOrResolveDocumentType(typeof(DefendantProfile)).TableName.QualifiedName;
        var orders = store.Options.FindOrResolveDocumentType(typeof(SubjectOrder)).TableName.QualifiedName;
        var sealedFilter = seesSealed ? "" : $"and {Disclosure.NotSealed(store, "d.id")}";
        var sql = $"""
            select json_build_object('person', person, 'candidateName', candidate_name, 'targetName', target_name, 'similarity', similarity) from (
              select distinct on (person) person, candidate_name, target_name, similarity from (
                select coalesce(m.survivor_id, d.id) as person, n.name as candidate_name, t.name as target_name,
                       similarity(n.name, t.name)::float8 as similarity
                from {profiles} d
                join unnest(?::text[]) as t(name) on t.name <% (d.data ->> 'matchText')
                cross join lateral unnest(string_to_array(d.data ->> 'matchText', '{NameKeys.Separator}')) as n(name)
                left join {PersonMerges.Table(store)} m on m.id = d.id
                where not (d.id = any(?)) and not (coalesce(m.survivor_id, d.id) = any(?))
                  and not exists (select 1 from {orders} o where o.subject = d.id and o.kind = '{OrderKinds.Expunged}'
                                   and (o.data ->> 'person' = d.id::text or (o.data ->> 'ofPerson')::boolean))
                  {sealedFilter}
              ) as pairs
              order by person, similarity desc, candidate_name
            ) as best
            order by similarity desc, person
            limit {Ranked}
            """;
        return await session.QueryAsync<NameMatch>(sql, ct, names.ToArray(), group.ToArray(), group.ToArray());
    }

    /// <summary>For each person, the other people identified in each of their cases.</summary>
    private static async Task<ILookup<Guid, (Guid CaseId, Guid Person)>> CoDefendantsAsync(IQuerySession session, IReadOnlyList<DefendantProfile> people, CancellationToken ct)
    {
        var cases = people.SelectMany(x => x.Cases.Select(c => c.CaseId)).Distinct().ToArray();
        var identified = (await session.Query<CaseDetailsEntry>()
                .Where(x => x.CaseId.IsOneOf(cases) && x.IdentifiedDefendantId != null)
                .Select(x => new { x.CaseId, x.IdentifiedDefendantId })
                .ToListAsync(ct))
            .ToLookup(x => x.CaseId, x => x.IdentifiedDefendantId!.Value);
        return people
            .SelectMany(p => p.Cases.Select(c => c.CaseId).Distinct()
                .SelectMany(c => identified[c].Distinct()
                    .Where(other => other != p.DefendantId && !p.MergedIds.Contains(other))
                    .Select(other => (p.DefendantId, Seen: (c, other)))))
            .ToLookup(x => x.DefendantId, x => x.Seen);
    }

    // The weights, justified in docs/merges.md. The name carries the score: it is the only reason
    // that is evidence on its own.
    private const double NamesAlike = 0.7;
    private const double SameNationality = 0.1;
    private const double CoDefendantInCommon = 0.1;

    /// <summary>
    /// More than the reasons for can add together (0.2): a candidate who shares a case ranks below
    /// every candidate with as good a name who does not, whatever else they share. Less than what an
    /// exact name is worth, so one person entered twice in a case keeps a score to be ranked by.
    /// </summary>
    private const double SameCase = -0.3;

    /// <summary>The score: the names' similarity weighed, plus or minus each other reason, kept within 0 and 1.</summary>
    private static DuplicateCandidate Judge(DefendantProfile person, DefendantProfile candidate, NameMatch match, ILookup<Guid, (Guid CaseId, Guid Person)> coDefendants)
    {
        var reasons = new List<string>
        {
            // Trigrams ignore word order: "wei zhang" is the same name as "zhang wei".
            match.Similarity >= 1
                ? $"same name or alias: {match.CandidateName}"
                : $"similar name or alias: {match.CandidateName} ~ {match.TargetName} ({match.Similarity:0.00})"
        };
        var score = NamesAlike * match.Similarity;

        if (person.Nationality is { } nationality && candidate.Nationality is { } other && !Withheld.Is(nationality)
            && NameKeys.Fold(nationality) == NameKeys.Fold(other))
        {
            reasons.Add($"same nationality: {candidate.Nationality}");
            score += SameNationality;
        }

        var sharedCases = person.Cases.Select(x => x.CaseId).Intersect(candidate.Cases.Select(x => x.CaseId)).ToHashSet();

        // Only through cases the other is not in: everyone identified in a shared case is "in common"
        // and says nothing more than the shared case does.
        IEnumerable<Guid> SeenApart(DefendantProfile p) => coDefendants[p.DefendantId].Where(x => !sharedCases.Contains(x.CaseId)).Select(x => x.Person);
        Guid[] pair = [person.DefendantId, .. person.MergedIds, candidate.DefendantId, .. candidate.MergedIds];
        var sharedPeople = SeenApart(person).Intersect(SeenApart(candidate)).Except(pair).Count();
        if (sharedPeople > 0)
        {
            reasons.Add(sharedPeople == 1 ? "a co-defendant in common" : $"{sharedPeople} co-defendants in common");
            score += CoDefendantInCommon;
        }

        // Once, however many cases they share: a second is no new kind of evidence, and counting it
        // would push a person entered twice below names that are merely alike.
        if (sharedCases.Count > 0)
        {
            reasons.Add(sharedCases.Count == 1
                ? "against: identified side by side in the same case"
                : $"against: identified side by side in the same {sharedCases.Count} cases");
            score += SameCase;
        }

        return new DuplicateCandidate(candidate.DefendantId, candidate.Names.FirstOrDefault() ?? "", Math.Round(Math.Clamp(score, 0, 1), 3), reasons);
    }
}
