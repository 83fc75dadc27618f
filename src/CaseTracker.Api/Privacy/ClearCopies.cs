using System.Text.RegularExpressions;
using CaseTracker.Api.Audit;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Defendants;
using Marten;
using Marten.Linq.MatchesSql;

namespace CaseTracker.Api.Privacy;

/// <summary>
/// Every place CaseTracker keeps personal fields in the clear, and how an expungement rewrites it:
/// the case read model's identification and tip rows, the person's profile, the rows name search
/// reads (<see cref="DefendantNames"/>), searches for the person's names in the read log, and time
/// travel's checkpoints of the case fold (deleted: a cache, folded again on the next read).
/// Events keep only ciphertext and idempotency records only hashes, so the keys are all they need.
/// A new read model that copies a personal field must be added here, and to the dump test.
/// </summary>
public static class ClearCopies
{
    /// <summary>Carries out the order in the transaction that appends it.</summary>
    internal static async Task ExpungeAsync(IDocumentSession session, PersonalKeys keys, RecordExpunged order, CancellationToken ct)
    {
        // The keys first: an append that encrypted under one of them has then either committed (and
        // its copies are read below) or will find the key gone and be decided again.
        await PersonalKeys.LockedAsync(session, [.. order.Subjects], "update", ct);
        var names = (await PersonNames.OfAsync(session, keys, order.DefendantId, order.Merged ?? [], ct)).Names;
        var naming = await keys.NamingAsync(session.DocumentStore, ct);
        var subjects = order.Subjects.ToHashSet();
        var people = order.People().ToArray();

        foreach (var row in await session.Query<CaseDetailsEntry>().Where(x => x.IdentifiedDefendantId.IsOneOf(people.Cast<Guid?>().ToArray())).ToListAsync(ct))
        {
            row.Defendant = Disclosure.Withhold(row.Defendant!, Withheld.Expunged);
            session.Store(row);
        }

        // Rows keep a tip's alias, not its subject, so every tip that names one is read: one scan per expungement.
        foreach (var row in await session.Query<CaseDetailsEntry>().Where(x => x.Kind == EntryKind.Tip && x.Tip!.SubjectAlias != null).ToListAsync(ct))
        {
            if (Withheld.Is(row.Tip!.SubjectAlias) || !subjects.Contains(naming.Subject(row.Tip.SubjectAlias!))) continue;
            row.Tip = row.Tip with { SubjectAlias = Withheld.Expunged };
            session.Store(row);
        }

        foreach (var profile in await session.LoadManyAsync<DefendantProfile>(ct, people))
        {
            profile.Expunge();
            session.Store(profile);
        }

        foreach (var row in await session.Query<DefendantNames>().Where(x => x.DefendantId.IsOneOf(people)).ToListAsync(ct))
        {
            row.Text = "";
            session.Store(row);
        }

        await ScrubReadLogAsync(session, names, ct);
        DropCheckpoints(session, order.Subjects);

        foreach (var subject in order.Subjects)
        {
            // A person's row stays, empty, so that nothing can be encrypted under their id again;
            // an alias's goes, and a later tip naming it starts a new key.
            if (people.Contains(subject)) session.Store(new PersonalKey { Id = subject, Wrapped = null });
            else session.Delete<PersonalKey>(subject);
        }
    }

    /// <summary>
    /// Checkpoints naming any of the subjects go, in the order's transaction: the next time-travel
    /// read of their cases folds from the events (where the keys are gone) and leaves new ones.
    /// </summary>
    private static void DropCheckpoints(IDocumentSession session, IReadOnlyList<Guid> subjects)
    {
        if (subjects.Count == 0) return;

        var contains = $"({string.Join(" or ", subjects.Select(_ => "d.data -> 'subjects' @> ^::jsonb"))})";
        var lists = subjects.Select(s => (object)$"[\"{s}\"]").ToArray();
        session.DeleteWhere<CaseCheckpoint>(x => x.MatchesSql('^', contains, lists));
    }

    /// <summary>The read log keeps what readers searched for: searches for the person's names are rewritten.</summary>
    private static async Task ScrubReadLogAsync(IDocumentSession session, IReadOnlyList<string> names, CancellationToken ct)
    {
        if (names.Count == 0) return;

        var patterns = names.Select(x => "%" + x.Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_") + "%").ToArray();
        var reads = await session.Query<ReadRecord>().Where(x => x.MatchesSql("d.data ->> 'query' ilike any(?)", (object)patterns)).ToListAsync(ct);
        foreach (var read in reads)
        {
            read.Query = names.Aggregate(read.Query!, (query, name) => Regex.Replace(query, Regex.Escape(name), Withheld.Expunged, RegexOptions.IgnoreCase));
            session.Store(read);
        }
    }
}

/// <summary>
/// Encrypts the personal fields of every event a session appends, and carries out the expungements
/// it appends, in the session's transaction. Registered ahead of <see cref="EventSeal"/>, so the
/// hash chain covers the ciphertext: destroying a key later changes no hash.
/// </summary>
public sealed class PersonalDataEncryption(PersonalKeys keys) : DocumentSessionListenerBase
{
    public override async Task BeforeSaveChangesAsync(IDocumentSession session, CancellationToken token)
    {
        var facts = session.PendingChanges.Streams().SelectMany(x => x.Events).Select(x => x.Data).ToList();
        var fields = facts.OfType<IHoldsPersonalData>().SelectMany(x => x.PersonalFields).Where(x => x.Value.Cipher is null).ToList();
        if (fields.Count > 0) await keys.EncryptAsync(session, fields, token);

        foreach (var order in facts.OfType<RecordExpunged>()) await ClearCopies.ExpungeAsync(session, keys, order, token);
    }
}
