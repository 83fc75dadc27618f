using System.Text;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Http;
using CaseTracker.Api.Privacy;
using CaseTracker.Api.Storage;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;

namespace CaseTracker.Api.Defendants;

/// <summary>
/// What one case says a person is called: the name and aliases of their identification in it,
/// lower-cased, one a line. Need-to-know is decided per case, so a person whom a case hidden from
/// the reader names is found or not on these rows of the cases the reader may see, in PostgreSQL,
/// before anything is counted (<see cref="DefendantSearch"/>).
/// </summary>
public class DefendantNames
{
    /// <summary>Case and person, as <see cref="CaseEntry.IdFor"/> makes it: a person is identified once per case.</summary>
    public string Id { get; set; } = "";

    public Guid DefendantId { get; set; }

    /// <summary>A column without an index of its own: only ever compared with the reader's hidden cases.</summary>
    [Column("uuid")]
    public Guid CaseId { get; set; }

    /// <summary>
    /// Lines never span two names, so a word of a search matches within one name or alias. A
    /// placeholder is nobody's name (searching for "expunged" finds no one): withheld names leave
    /// the text empty, and the row then only says that the case names the person. A column without
    /// an index: read only for the few people a reader's hidden cases name, found by their id.
    /// </summary>
    [Column("varchar")]
    public string Text { get; set; } = "";

    public static string TextOf(PersonFields fields) =>
        string.Join('\n', fields.Aliases.Prepend(fields.Name).Where(x => !Withheld.Is(x)).Distinct()).ToLowerInvariant();
}

/// <summary>
/// A row per identification, removed by its retraction. Asynchronous like the profile the search
/// pages through, so that the two trail the commit alike (docs/projections.md).
/// </summary>
public partial class DefendantNamesProjection : EventProjection
{
    private readonly PersonalKeys _keys;

    public DefendantNamesProjection(PersonalKeys keys)
    {
        _keys = keys;
        // The daemon's shard and the fingerprint go by this name, as the profile's go by its document's.
        Name = "DefendantNames";
        Options.BatchSize = StoreConfiguration.ProjectionBatchSize;
    }

    public override Task EnrichEventsAsync(IQuerySession querySession, IReadOnlyList<IEvent> events, CancellationToken cancellation) =>
        _keys.RevealAsync(querySession, events.Select(x => x.Data), cancellation);

    public override async ValueTask ApplyAsync(IDocumentOperations operations, IEvent e, CancellationToken cancellation)
    {
        switch (e.Data)
        {
            case DefendantIdentified x:
                operations.Store(new DefendantNames
                {
                    Id = CaseEntry.IdFor(e.StreamId, x.DefendantId), DefendantId = x.DefendantId, CaseId = e.StreamId, Text = DefendantNames.TextOf(x.Fields()),
                });
                break;
            case EntryRetracted { Kind: EntryKind.Defendant } x:
                operations.Delete<DefendantNames>(CaseEntry.IdFor(e.StreamId, x.EntryId));
                break;
            case RecordExpunged x:
                // The order rewrote the rows (ClearCopies); this covers a row this projection wrote
                // from an identification it had revealed just before the key was destroyed. A
                // rebuild reads those identifications withheld already, so it gives the same rows.
                var people = x.People().ToArray();
                foreach (var row in await operations.Query<DefendantNames>().Where(r => r.DefendantId.IsOneOf(people)).ToListAsync(cancellation))
                {
                    row.Text = "";
                    operations.Store(row);
                }

                break;
        }
    }
}

/// <summary>
/// Name search in PostgreSQL, need-to-know and sealing included, so that the total counts exactly
/// the people the reader may find and a page costs about what the matches cost, whatever the page
/// (docs/defendant-search.md).
/// </summary>
public static class DefendantSearch
{
    /// <summary>The page of people asked for, in order, and how many there are in all.</summary>
    public sealed record Found(long Total, IReadOnlyList<Guid> People);

    /// <summary>
    /// People whose names and aliases, as the cases this reader may see record them, hold every word
    /// of <paramref name="term"/> (case-insensitively, anywhere in a name); every such person when
    /// there is no term. In order of their names, then id.
    /// </summary>
    /// <remarks>
    /// The profile's text (every case's names) through the trigram index gives the candidates; it
    /// decides alone for a person no hidden case names. The few a hidden case does name (found
    /// through the index on the profile's cases, the same document, so never behind it) are decided
    /// on their rows from the cases the reader may see.
    /// </remarks>
    public static async Task<Found> FindAsync(
        IQuerySession session, string? term, IReadOnlyList<Guid> hiddenCases, bool findsSealed, Paging paging, CancellationToken ct)
    {
        var words = Words(term);
        var store = session.DocumentStore;
        var profiles = store.Options.FindOrResolveDocumentType(typeof(DefendantProfile)).TableName.QualifiedName;
        var names = store.Options.FindOrResolveDocumentType(typeof(DefendantNames)).TableName.QualifiedName;
        var hidden = hiddenCases.ToArray();
        var parameters = new List<object>();
        var sql = new StringBuilder("with ");

        if (hidden.Length > 0)
        {
            sql.Append($"exposed as materialized (select d.id from {profiles} d where d.case_ids && ?::uuid[]), ");
            parameters.Add(hidden);
            // Ordered by what the reader may see of them, not by a name they may not.
            sql.Append($"found as (select d.id as person, case when d.id in (select id from exposed) " +
                       $"then (select min(n.text) from {names} n where n.defendant_id = d.id and n.case_id <> all(?)) else d.search_text end as first ");
            parameters.Add(hidden);
        }
        else
        {
            sql.Append("found as (select d.id as person, d.search_text as first ");
        }

        // A merged person is found as their survivor, never on their own (docs/merges.md).
        sql.Append($"from {profiles} d where {PersonMerges.NotMerged(store)} and (true");
        foreach (var word in words)
        {
            // One condition per word, not "like all(array)": PostgreSQL takes only the former to the index.
            sql.Append(" and d.search_text like ?");
            parameters.Add(word);
        }

        if (await PersonMerges.SurvivorsNamedAsync(session, words, hidden, findsSealed, ct) is { Length: > 0 } survivors)
        {
            // Or by every word in the names of the survivor and the people merged into them (docs/merges.md).
            sql.Append(" or d.id = any(?)");
            parameters.Add(survivors);
        }

        sql.Append(')');
        if (!findsSealed) sql.Append(" and ").Append(Disclosure.NotSealed(store, "d.id"));
        if (hidden.Length > 0)
        {
            sql.Append(" and (d.id not in (select id from exposed) or ");
            if (words.Count > 0)
            {
                sql.Append($"(select count(distinct w.pattern) from {names} n join unnest(?::text[]) w(pattern) on n.text like w.pattern " +
                           // One array, not "= d.id or in (…)": PostgreSQL takes "= any(array)" to the index on the
                           // person, and scanned every row for the "or" (1 s against 50 ms on a 200,000-event store).
                           $"where n.defendant_id = any(array[d.id] || array(select m.id from {PersonMerges.Table(store)} m where m.survivor_id = d.id)) " +
                           "and n.case_id <> all(?)) = ?)");
                parameters.AddRange([words.ToArray(), hidden, words.Count]);
            }
            else
            {
                sql.Append($"exists (select 1 from {names} n where n.defendant_id = d.id and n.case_id <> all(?)))");
                parameters.Add(hidden);
            }
        }

        sql.Append("""
            )
            select jsonb_build_object(
                'total', (select count(*) from found),
                'people', coalesce((select jsonb_agg(page.person order by page.first, page.person)
                                    from (select person, first from found order by first, person limit ? offset ?) page), '[]'::jsonb))
            """);
        parameters.Add(paging.Size);
        parameters.Add(paging.Skip);

        return (await session.QueryAsync<Found>(sql.ToString(), ct, [.. parameters])).Single();
    }

    /// <summary>The term's words as LIKE patterns: lower-cased as the text is, LIKE's wildcards taken literally.</summary>
    private static List<string> Words(string? term) =>
        [.. (term ?? "").ToLowerInvariant()
            .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Distinct()
            .Select(word => "%" + word.Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_") + "%")];
}
