using System.Text.Json;
using CaseTracker.Api.Audit;
using CaseTracker.Api.Privacy;
using CaseTracker.Api.Storage;
using JasperFx.Events;
using Marten;

namespace CaseTracker.Api.Cases;

/// <summary>
/// The case folded through one version of its stream, kept so that time travel folds from here
/// rather than from the first event (docs/time-travel.md). A cache: deleting every checkpoint changes
/// no answer, only its cost. Like the case's stored rows it holds people's names and tips' aliases
/// as the fold revealed them, so it names its <see cref="Subjects"/>, and an expungement deletes every
/// checkpoint naming one of the order's (<see cref="Privacy.ClearCopies"/>).
/// </summary>
public sealed class CaseCheckpoint
{
    /// <summary>Case, code and version: one checkpoint per position of a case and build of the fold.</summary>
    public string Id { get; set; } = "";
    public Guid CaseId { get; set; }

    /// <summary>The <see cref="CaseCheckpoints.Code"/> of the fold that made it; a checkpoint of another fold is never read.</summary>
    public string Code { get; set; } = "";

    /// <summary>The stream version folded through: every event up to it, and no other.</summary>
    public long Version { get; set; }

    /// <summary>The latest recording time among those events: a <c>knownAt</c> bound at or after it includes them all.</summary>
    public DateTimeOffset RecordedThrough { get; set; }

    /// <summary>The latest <see cref="TimeTravel.HappenedBy"/> among those events: an <c>asOf</c> bound at or after it includes them all.</summary>
    public DateTimeOffset HappenedThrough { get; set; }

    /// <summary>The folded case, revealed as the fold saw it; sealing is applied when it is read, as to any fold.</summary>
    public CaseDetails Details { get; set; } = new();

    /// <summary>Whose keys the personal fields of <see cref="Details"/> were revealed with: its people, and the subjects of its tips' aliases.</summary>
    public List<Guid> Subjects { get; set; } = [];

    /// <summary>The subject of each tip's alias, by tip: what a fold going on from here keeps.</summary>
    public Dictionary<Guid, Guid> AliasSubjects { get; set; } = [];

    /// <summary>Whether every field of this subject in the checkpoint already reads <c>[expunged]</c>: then it names nobody whose key is gone.</summary>
    public bool Withholds(Guid subject) =>
        Details.Defendants.Where(x => x.DefendantId == subject).All(x => x.Name == Withheld.Expunged)
        && Details.Tips.Where(x => AliasSubjects.GetValueOrDefault(x.TipId) == subject).All(x => x.SubjectAlias == Withheld.Expunged);

    public static string IdFor(Guid caseId, string code, long version) => $"{caseId:N}/{code[..16]}/{version}";
}

/// <summary>
/// Time travel of a case: the fold of <see cref="CaseDetails.Fold"/> over the case's events within
/// the bound, started from the latest checkpoint that the bound includes whole, and leaving a
/// checkpoint every <c>TimeTravel:CheckpointEvery</c> events (default 500; 0: none) it folds past.
/// Checkpoints are made by the reads that need them, never by commands: the first read of a
/// stretch of a long case pays the fold once, and a case nobody travels in costs nothing.
/// </summary>
public sealed class CaseCheckpoints(IDocumentStore store, PersonalKeys keys, IConfiguration configuration)
{
    public const int DefaultEvery = 500;

    private static readonly Lazy<string> FoldCode = new(() => CodeIdentity.Of(typeof(CaseDetails), typeof(CaseCheckpoint), typeof(CaseCheckpoints)));

    /// <summary>A copy of a state being folded on, taken as the store's serializer would: the fold changes its lists in place.</summary>
    private static readonly JsonSerializerOptions CopyOptions = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// The identity of the fold: of <see cref="CaseDetails"/> (its <c>Fold</c> and everything of this
    /// assembly it calls) and of the checkpoint's own shape and code. Any change to them gives a new
    /// identity, under which no checkpoint exists yet.
    /// </summary>
    public static string Code => FoldCode.Value;

    public int Every { get; } = Math.Max(0, configuration.GetValue("TimeTravel:CheckpointEvery", DefaultEvery));

    /// <summary>The case as the bound saw it, revealed but not yet disclosed to a reader; null if there was no case then.</summary>
    public async Task<CaseDetails?> FoldAsync(IQuerySession session, Guid caseId, TimeTravel travel, CancellationToken ct)
    {
        var checkpoint = Every > 0 ? await LatestWithinAsync(session, caseId, travel, ct) : null;
        var events = await travel.EventsAsync(session, caseId, checkpoint?.Version ?? 0, ct);
        await keys.RevealAsync(session, events.Select(x => x.Data), ct);

        var fold = checkpoint is null ? new Fold(caseId) : Fold.From(checkpoint);
        var made = new List<CaseCheckpoint>();
        foreach (var e in events)
        {
            fold.Add(e);
            if (Every > 0 && fold.Whole && e.Version % Every == 0 && fold.Capture() is { } capture) made.Add(capture);
        }

        if (made.Count > 0) await SaveAsync(caseId, made, ct);
        return fold.Details;
    }

    private static Task<CaseCheckpoint?> LatestWithinAsync(IQuerySession session, Guid caseId, TimeTravel travel, CancellationToken ct)
    {
        var code = Code;
        var query = session.Query<CaseCheckpoint>().Where(x => x.CaseId == caseId && x.Code == code);
        query = travel switch
        {
            { Version: { } version } => query.Where(x => x.Version <= version),
            { KnownAt: { } knownAt } => query.Where(x => x.RecordedThrough <= knownAt),
            { AsOf: { } asOf } => query.Where(x => x.HappenedThrough <= asOf),
            _ => query,
        };
        return query.OrderByDescending(x => x.Version).FirstOrDefaultAsync(ct);
    }

    /// <summary>
    /// In a session of its own (the read's is a query session), holding the keys of the checkpoints'
    /// subjects FOR SHARE as an append does: an expungement, which takes them FOR UPDATE before it
    /// deletes the checkpoints naming them, either waits for this write and then deletes what it
    /// wrote, or has committed first, and then a checkpoint whose fields were revealed before it (and
    /// read in the clear what is now destroyed) is not written. Checkpoints of any other fold of the
    /// case go.
    /// </summary>
    private async Task SaveAsync(Guid caseId, IReadOnlyList<CaseCheckpoint> made, CancellationToken ct)
    {
        var code = Code;
        await using var session = store.LightweightSession();
        await session.BeginTransactionAsync(ct);
        var standing = await PersonalKeys.LockedAsync(session, [.. made.SelectMany(x => x.Subjects).Distinct()], "share", ct);
        var kept = made.Where(x => x.Subjects.All(subject => standing.TryGetValue(subject, out var key) && key.Wrapped is not null || x.Withholds(subject))).ToList();

        session.DeleteWhere<CaseCheckpoint>(x => x.CaseId == caseId && x.Code != code);
        session.Store([.. kept]);
        await session.SaveChangesAsync(ct);
    }

    /// <summary>The fold in progress, with what a checkpoint of it needs beside the case itself.</summary>
    private sealed class Fold(Guid caseId)
    {
        private readonly Dictionary<Guid, Guid> _aliasSubjects = [];
        private long _version;
        private DateTimeOffset _recordedThrough = DateTimeOffset.MinValue;
        private DateTimeOffset _happenedThrough = DateTimeOffset.MinValue;

        public CaseDetails? Details { get; private set; }

        /// <summary>
        /// Whether the fold so far holds every event of the stream up to its version, each a fact
        /// stored with its personal fields encrypted: only then may it be kept as a checkpoint. A
        /// bound that leaves out an event in between (a <c>knownAt</c> or <c>asOf</c> bound can), data
        /// that is no fact, or a field stored before encryption (whose subject is not known, so that
        /// no expungement would find the checkpoint) ends it.
        /// </summary>
        public bool Whole { get; private set; } = true;

        public static Fold From(CaseCheckpoint checkpoint)
        {
            var fold = new Fold(checkpoint.CaseId)
            {
                _version = checkpoint.Version,
                _recordedThrough = checkpoint.RecordedThrough,
                _happenedThrough = checkpoint.HappenedThrough,
            };
            foreach (var (tip, subject) in checkpoint.AliasSubjects) fold._aliasSubjects[tip] = subject;
            fold.Details = checkpoint.Details;
            return fold;
        }

        public void Add(IEvent e)
        {
            Whole = Whole && e.Version == _version + 1 && TimeTravel.HappenedBy(e.Data) is not null
                    && (e.Data is not IHoldsPersonalData personal || personal.PersonalFields.All(x => x.Value.Cipher is not null));
            _version = e.Version;
            if (e.Timestamp > _recordedThrough) _recordedThrough = e.Timestamp;
            if (TimeTravel.HappenedBy(e.Data) is { } happened && happened > _happenedThrough) _happenedThrough = happened;

            if (e.Data is TipReceived { SubjectAlias: { } alias } tip) _aliasSubjects[tip.TipId] = alias.Subject;

            Details = CaseDetails.Fold(Details, caseId, e);
        }

        /// <summary>The state as it stands, copied: the fold goes on changing it.</summary>
        public CaseCheckpoint? Capture()
        {
            if (Details is null) return null;

            var copy = JsonSerializer.Deserialize<CaseDetails>(JsonSerializer.SerializeToUtf8Bytes(Details, CopyOptions), CopyOptions)!;
            var aliases = copy.Tips.Where(x => x.SubjectAlias is not null).ToDictionary(x => x.TipId, x => _aliasSubjects[x.TipId]);
            var code = Code;
            return new CaseCheckpoint
            {
                Id = CaseCheckpoint.IdFor(caseId, code, _version),
                CaseId = caseId,
                Code = code,
                Version = _version,
                RecordedThrough = _recordedThrough,
                HappenedThrough = _happenedThrough,
                Details = copy,
                Subjects = [.. copy.Defendants.Select(x => x.DefendantId).Concat(aliases.Values).Distinct()],
                AliasSubjects = aliases,
            };
        }
    }
}
