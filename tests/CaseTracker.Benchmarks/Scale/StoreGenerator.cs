using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Threading.Channels;
using CaseTracker.Api.Audit;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Privacy;
using CaseTracker.Api.Storage;
using JasperFx.Events;
using Marten;
using Marten.Events;

namespace CaseTracker.Benchmarks.Scale;

/// <summary>What a generated store holds, as far as the measurements and the checks need to know.</summary>
public sealed class GeneratedStore
{
    public long Events { get; set; }
    public int Cases { get; set; }
    public int People { get; set; }

    /// <summary>People identified in at least one case that is not restricted at the end: those a reader of another agency is told of.</summary>
    public int VisiblePeople { get; set; }
    public int OpenCases { get; set; }
    public int ClosedCases { get; set; }
    public int RestrictedCases { get; set; }
    public double GenerationSeconds { get; set; }
    public List<(string Projection, double Seconds)> Rebuilds { get; } = [];

    /// <summary>Streams the archive moved after generation (closed cases, disposed exhibits), and how long it took.</summary>
    public int ArchivedStreams { get; set; }
    public int ArchivedCases { get; set; }

    /// <summary>Closed cases, restricted ones included (<see cref="ClosedCases"/> counts those an outsider's dashboard shows).</summary>
    public int EveryClosedCase { get; set; }
    public double ArchiveSeconds { get; set; }
    public Guid LongestCase { get; set; }
    public int LongestLength { get; set; }

    /// <summary>Open, unrestricted cases of ordinary length, drawn at random: what commands and reads go to.</summary>
    public List<Guid> Sample { get; } = [];

    public string SearchTerm { get; set; } = "";

    /// <summary>People a reader who sees no restricted case finds with <see cref="SearchTerm"/>: every word in a name or alias.</summary>
    public int SearchMatches { get; set; }
}

/// <summary>
/// A realistic store, written straight into the event tables through Marten's streaming bulk
/// append (<c>BulkInsertEventStreamAsync</c>, PostgreSQL COPY) rather than through the API: cases of
/// skewed length (a few tip lines of 10,000 and more), people with aliases and shared names, some
/// identified in many cases, arrests, seizures, charges, verdicts, sentences and commutations,
/// referrals and their outcomes, links, restrictions, closures and retractions. Every event is
/// sealed by <see cref="EventSeal.Seal"/>, the chain the API writes, so <c>audit verify</c> accepts
/// it, after its personal fields are encrypted under each person's key as the API's append would. Events are recorded over years of business and recording time, and the cases of each
/// slice of time are interleaved, as appends from many officers would be; the long cases run
/// through every slice. The read models are then built by rebuilding every projection, which is
/// also the rebuild's measurement at this size.
/// </summary>
public sealed class StoreGenerator(DocumentStore store, AuditKey key, PersonalKeys personalKeys, int seed)
{
    private const string Tenant = "*DEFAULT*";
    private const int CasesPerSlice = 2_000;
    private static readonly DateTimeOffset Beginning = new(2012, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Span = TimeSpan.FromDays(365 * 12);

    private readonly Random _random = new(seed);
    private readonly List<Person> _people = [];
    private readonly List<Guid> _caseIds = [];
    private const int SampleSize = 256;
    private int _sampled;
    private readonly ConcurrentDictionary<Guid, byte[]> _dataKeys = new();
    private AliasNaming _naming = null!;

    private sealed class Person(Guid id, string name, string[] aliases, string nationality)
    {
        public Guid Id { get; } = id;
        public string Name { get; } = name;
        public string[] Aliases { get; } = aliases;
        public string Nationality { get; } = nationality;

        /// <summary>Identified in a case that is not restricted at the end: a reader of another agency finds them.</summary>
        public bool Visible { get; set; }
    }

    private sealed class CasePlan(Guid id, int length, bool heavy)
    {
        public Guid Id { get; } = id;
        public int Length { get; } = length;
        public bool Heavy { get; } = heavy;
        public List<object> Events { get; set; } = [];
        public int Emitted { get; set; }
        public string PreviousHash { get; set; } = HashChain.Genesis;
        public string Agency { get; set; } = "";
        public bool Closed { get; set; }
        public bool RestrictedAtEnd { get; set; }
    }

    /// <param name="events">about how many events to generate</param>
    /// <param name="longCases">the lengths of the long cases (tip lines), generated beside the rest</param>
    public async Task<GeneratedStore> Generate(long events, IReadOnlyList<int> longCases)
    {
        var clock = Stopwatch.StartNew();
        var result = new GeneratedStore();
        _naming = await personalKeys.NamingAsync(store, CancellationToken.None);
        var heavy = longCases.Select(length => new CasePlan(Guid.CreateVersion7(Beginning), length, heavy: true)).ToList();
        foreach (var plan in heavy) Story(plan);

        // Lengths of the ordinary cases: log-normal around a mean of about twenty events, so most
        // are short, some run to hundreds.
        var lengths = new List<int>();
        var budget = events - longCases.Sum();
        const double sigma = 1.0;
        var mu = Math.Log(20) - sigma * sigma / 2;
        for (long total = 0; total < budget;)
        {
            var gaussian = Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble());
            var length = (int)Math.Clamp(Math.Round(Math.Exp(mu + sigma * gaussian)), 3, 3_000);
            length = (int)Math.Min(length, Math.Max(3, budget - total));
            lengths.Add(length);
            total += length;
        }

        var slices = (lengths.Count + CasesPerSlice - 1) / CasesPerSlice;
        var channel = Channel.CreateBounded<(List<BulkEventStreamHeader> Streams, List<IEvent> Events)>(1);
        var writer = Task.Run(async () =>
        {
            try
            {
                await foreach (var (streams, sealedEvents) in channel.Reader.ReadAllAsync())
                {
                    await store.BulkInsertEventStreamAsync(Tenant, streams, Enumerate(sealedEvents), batchSize: 10_000);
                }
            }
            catch (Exception e)
            {
                // The generator waiting to hand over its next slice learns of it, rather than waiting forever.
                channel.Writer.TryComplete(e);
                throw;
            }
        });

        try
        {
            for (var slice = 0; slice < Math.Max(1, slices); slice++)
            {
                var from = Beginning + Span * slice / Math.Max(1, slices);
                var to = Beginning + Span * (slice + 1) / Math.Max(1, slices);
                var plans = lengths.Skip(slice * CasesPerSlice).Take(CasesPerSlice)
                    .Select(length => new CasePlan(Guid.CreateVersion7(from), length, heavy: false)).ToList();
                foreach (var plan in plans) Story(plan);

                // The long cases run through every slice of time, a share of their events in each.
                var parts = plans.Select(plan => (Plan: plan, Count: plan.Length)).ToList();
                foreach (var plan in heavy)
                {
                    var until = (int)((long)plan.Length * (slice + 1) / Math.Max(1, slices));
                    if (until > plan.Emitted) parts.Add((plan, until - plan.Emitted));
                }

                var streams = parts.Where(x => x.Plan.Emitted == 0)
                    .Select(x => new BulkEventStreamHeader { Id = x.Plan.Id, Version = x.Plan.Length, AggregateType = typeof(Case) }).ToList();
                var sealedEvents = Seal(parts, from, to);
                await channel.Writer.WriteAsync((streams, sealedEvents));
                result.Events += sealedEvents.Count;
                foreach (var plan in plans) plan.Events = [];
                Record(result, plans);
            }
        }
        finally
        {
            channel.Writer.TryComplete();
        }

        await writer;
        await store.BulkInsertAsync(
            [.. _dataKeys.Select(x => new PersonalKey { Id = x.Key, Wrapped = personalKeys.Master.Wrap(x.Key, x.Value) })], batchSize: 10_000);
        Record(result, heavy);
        result.People = _people.Count;
        result.VisiblePeople = _people.Count(x => x.Visible);
        result.LongestCase = heavy.Count > 0 ? heavy.MaxBy(x => x.Length)!.Id : Guid.Empty;
        result.LongestLength = heavy.Count > 0 ? heavy.Max(x => x.Length) : 0;
        (result.SearchTerm, result.SearchMatches) = Search();
        result.GenerationSeconds = clock.Elapsed.TotalSeconds;
        return result;
    }

    /// <summary>Builds every read model from the generated events, timing each projection, and records the fingerprints a start compares.</summary>
    public async Task BuildReadModels(GeneratedStore result)
    {
        using (var daemon = await store.BuildProjectionDaemonAsync())
        {
            foreach (var projection in store.Options.Projections.All)
            {
                var clock = Stopwatch.StartNew();
                await daemon.RebuildProjectionAsync(projection.Name, TimeSpan.FromHours(12), CancellationToken.None);
                result.Rebuilds.Add((projection.Name, clock.Elapsed.TotalSeconds));
            }
        }

        await using var session = store.LightweightSession();
        session.Store([.. ProjectionFingerprints.Current(store, DateTimeOffset.UtcNow).Values]);
        await session.SaveChangesAsync();
    }

    private static async IAsyncEnumerable<IEvent> Enumerate(List<IEvent> events)
    {
        foreach (var e in events) yield return e;
        await Task.CompletedTask;
    }

    private void Record(GeneratedStore result, List<CasePlan> plans)
    {
        foreach (var plan in plans)
        {
            result.Cases++;
            if (plan.Closed) result.EveryClosedCase++;
            if (plan.RestrictedAtEnd)
            {
                result.RestrictedCases++;
                continue;
            }

            if (plan.Closed)
            {
                result.ClosedCases++;
                continue;
            }

            result.OpenCases++;
            if (plan.Heavy || plan.Length is < 5 or > 100) continue;

            // A uniform sample of the open cases of ordinary length (reservoir sampling).
            _sampled++;
            if (result.Sample.Count < SampleSize) result.Sample.Add(plan.Id);
            else if (_random.Next(_sampled) is var slot && slot < SampleSize) result.Sample[slot] = plan.Id;
        }
    }

    /// <summary>
    /// Each part's next events as stored events, with recording times spread over the slice, sealed
    /// in order per case (cases in parallel), then interleaved by recording time.
    /// </summary>
    private List<IEvent> Seal(List<(CasePlan Plan, int Count)> parts, DateTimeOffset from, DateTimeOffset to)
    {
        var serializer = store.Options.Serializer();
        var window = (to - from).Ticks;
        var starts = parts.Select(_ => _random.NextDouble() * 0.5).ToArray();
        var sealedParts = new List<IEvent>[parts.Count];
        Parallel.For(0, parts.Count, i =>
        {
            var (plan, count) = parts[i];
            var list = new List<IEvent>(count);
            for (var n = 0; n < count; n++)
            {
                var version = plan.Emitted + n + 1;
                var at = from + TimeSpan.FromTicks((long)(window * (starts[i] + (1 - starts[i]) * (n + 0.5) / count)));
                var data = plan.Events[version - 1];
                if (data is IHoldsPersonalData personal)
                {
                    foreach (var field in personal.PersonalFields)
                    {
                        var subject = field.Person ?? _naming.Subject(field.Value.Text);
                        PersonalKeys.Encrypt(field.Value, subject, _dataKeys.GetOrAdd(subject, _ => RandomNumberGenerator.GetBytes(32)));
                    }
                }

                var e = store.Events.BuildEvent(data);
                e.Id = Guid.CreateVersion7(at);
                e.StreamId = plan.Id;
                e.Version = version;
                e.UserName = $"officer-{Array.IndexOf(Agencies, plan.Agency)}-{version % 7}";
                e.CorrelationId = Guid.CreateVersion7(at).ToString();
                e.SetHeader(EventHeaders.Role, "officer");
                e.SetHeader(EventHeaders.Agency, plan.Agency);
                plan.PreviousHash = EventSeal.Seal(e, plan.Id, plan.PreviousHash, at, serializer, key);
                list.Add(e);
            }

            plan.Emitted += count;
            sealedParts[i] = list;
        });

        return [.. sealedParts.SelectMany(x => x).OrderBy(x => x.Timestamp)];
    }

    private static readonly string[] Surnames =
    [
        "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun", "Ma", "Zhu", "Hu", "Guo", "He", "Lin",
        "Gao", "Luo", "Zheng", "Liang", "Xie", "Song", "Tang", "Han", "Feng", "Deng", "Cao", "Peng", "Nguyen", "Tran", "Pham", "Garcia",
        "Rodriguez", "Hernandez", "Lopez", "Gonzalez", "Smith", "Johnson", "Brown", "Khan", "Singh", "Kumar", "Ivanov", "Petrov", "Silva",
        "Santos", "Kim", "Park", "Choi", "Okafor", "Mensah", "Haddad", "Yilmaz", "Kaya", "Muller", "Rossi", "Dubois", "Novak",
    ];

    private static readonly string[] GivenNames =
    [
        "Wei", "Fang", "Min", "Jing", "Lei", "Yong", "Jun", "Hui", "Ying", "Hao", "Qiang", "Xin", "Yan", "Ping", "Tao", "Bin", "Gang", "Hong",
        "Mei", "Lan", "Jie", "Dong", "Ming", "Kai", "Lu", "Rui", "Bo", "Chao", "Anh", "Minh", "Thanh", "Duc", "Carlos", "Jose", "Luis",
        "Maria", "Ana", "Juan", "John", "Michael", "David", "James", "Ahmed", "Omar", "Ali", "Raj", "Arjun", "Dmitri", "Sergei", "Olga",
        "Joao", "Pedro", "Jin", "Soo", "Chidi", "Kwame", "Yusuf", "Emre", "Hans", "Marco", "Pierre", "Jan",
    ];

    private static readonly string[] Nicknames = ["Big", "Little", "Old", "Young", "Uncle", "Auntie", "Brother", "Doctor", "Boss", "Teacher", "Fat", "Skinny"];
    private static readonly string[] Roles = ["courier", "dealer", "supplier", "financier", "chemist", "broker", "lookout"];
    private static readonly string[] Nationalities = ["CN", "CN", "CN", "CN", "VN", "MX", "US", "CO", "IN", "RU", "BR", "KR", "NG", "TR", "DE"];
    private static readonly string[] Substances = ["fentanyl", "methamphetamine", "heroin", "cocaine", "carfentanil", "ketamine", "tramadol"];
    private static readonly string[] SeizureUnits = ["g", "kg", "kg", "g", "pills"];

    private static readonly string[] Agencies =
    [
        "Xingtai PSB", "Guangzhou PSB", "Shenzhen PSB", "Shanghai PSB", "Beijing PSB", "Wuhan PSB", "Chengdu PSB", "Kunming PSB",
        "Hebei Provincial PSB", "Guangdong Provincial PSB", "US Department of Homeland Security", "DEA Los Angeles", "DEA Houston",
        "FBI Newark", "CBP San Diego", "Mexico FGR", "Colombia DIJIN", "Vietnam C04", "Hong Kong Police", "Macau Judiciary Police",
        "National Crime Agency", "Bundeskriminalamt", "Europol", "Australian Federal Police", "RCMP", "Interpol NCB Beijing",
        "Yunnan Provincial PSB", "Fujian Provincial PSB", "Zhejiang Provincial PSB", "Jiangsu Provincial PSB",
    ];

    /// <summary>An index into a pool, few values drawn often and many seldom (Zipf-like).</summary>
    private int Skewed(int count) => (int)Math.Min(count - 1, Math.Floor(count * Math.Pow(_random.NextDouble(), 2.5)));

    private string Pick(string[] pool) => pool[Skewed(pool.Length)];

    private Person NewPerson()
    {
        var name = $"{Pick(Surnames)} {Pick(GivenNames)}";
        var aliases = Enumerable.Range(0, _random.Next(3))
            .Select(_ => _random.Next(3) == 0 ? $"{Pick(Nicknames)} {Pick(Surnames)}" : $"{Pick(Nicknames)} {Pick(GivenNames)}")
            .Distinct().ToArray();
        var person = new Person(Guid.CreateVersion7(), name, aliases, Pick(Nationalities));
        _people.Add(person);
        return person;
    }

    /// <summary>Someone known from an earlier case: a few people turn up again and again.</summary>
    private Person KnownPerson() =>
        _random.Next(3) == 0 ? _people[Skewed(Math.Min(_people.Count, 2_000))] : _people[_random.Next(_people.Count)];

    /// <summary>The case's events, in order: exactly <c>Length</c> of them.</summary>
    private void Story(CasePlan plan)
    {
        var events = new List<object>(plan.Length);
        var lead = Pick(Agencies);
        plan.Agency = lead;
        var opened = Beginning + TimeSpan.FromDays(_random.Next(365 * 10));
        var step = plan.Heavy ? TimeSpan.FromHours(2) : TimeSpan.FromDays(3);
        var at = opened;
        DateTimeOffset Next() => at += step;
        var partners = Enumerable.Range(0, _random.Next(3)).Select(_ => Pick(Agencies)).Where(x => x != lead).Distinct().ToList();
        var reference = $"GEN-{seed}-{_caseIds.Count:D7}";
        _caseIds.Add(plan.Id);
        events.Add(new CaseOpened(plan.Id, reference, $"Investigation {reference}", lead, "Hebei, CN", partners, opened));

        var room = plan.Length - 1;
        // The first few cases are restricted in every store, the small one included, so that an
        // analyst reads each with cases hidden: the ratio then compares sizes, not whether anything
        // is hidden (a small store of a hundred cases would otherwise often have none).
        var restrictedOnPurpose = _caseIds.Count <= 3;
        var restricted = !plan.Heavy && room > 6 && (restrictedOnPurpose || _random.Next(100) == 0);
        var lifted = restricted && !restrictedOnPurpose && _random.Next(3) == 0;
        var closed = !plan.Heavy && _random.Next(10) < 3 && room > 4;
        var reserved = (closed ? 1 : 0) + (restricted ? 1 : 0) + (lifted ? 1 : 0);
        room -= reserved;

        var peopleHere = plan.Heavy ? 5 : Math.Clamp(1 + _random.Next(4), 1, Math.Max(1, room / 3));
        var identified = new List<Person>();
        for (var i = 0; i < peopleHere && room > 0; i++)
        {
            var person = _people.Count > 100 && _random.Next(5) == 0 ? KnownPerson() : NewPerson();
            if (identified.Contains(person)) continue;
            identified.Add(person);
            events.Add(new DefendantIdentified(person.Id, person.Name, [.. person.Aliases.Select(x => (Personal)x)], person.Nationality, Roles[_random.Next(Roles.Length)], Next()));
            room--;
        }

        // What happens to each person, and to the case, before the tips that fill the rest.
        var facts = new List<Func<object>>();
        foreach (var person in identified)
        {
            if (_random.Next(10) < 6) facts.Add(() => new ArrestMade(Guid.CreateVersion7(), person.Id, Next(), "Xingtai", lead));
            if (_random.Next(10) >= 5) continue;
            var chargeId = Guid.CreateVersion7();
            facts.Add(() => new ChargeFiled(chargeId, person.Id, "Trafficking in narcotics", Next(), "PRC Criminal Law art. 347"));
            if (_random.Next(10) >= 7) continue;
            var guilty = _random.Next(100) < 85;
            facts.Add(() => new VerdictReached(Guid.CreateVersion7(), person.Id, chargeId, guilty ? "guilty" : "not-guilty", Next(), "Xingtai Intermediate People's Court"));
            if (!guilty || _random.Next(10) >= 8) continue;
            var sentenceId = Guid.CreateVersion7();
            var life = _random.Next(6) == 0;
            facts.Add(() => new SentenceHanded(sentenceId, person.Id, life ? "life" : "fixed-term", Next(), "Xingtai Intermediate People's Court", life ? null : 12 * (2 + _random.Next(15)), null));
            if (_random.Next(10) == 0)
            {
                facts.Add(() => new SentenceCommuted(Guid.CreateVersion7(), sentenceId, person.Id, life ? "life" : "fixed-term", "fixed-term", Next(), "Good conduct", 120, null));
            }
        }

        for (var i = _random.Next(3); i > 0; i--)
        {
            facts.Add(() => new DrugsSeized(Guid.CreateVersion7(), Substances[Skewed(Substances.Length)], Math.Round((decimal)_random.NextDouble() * 50 + 0.1m, 3),
                SeizureUnits[_random.Next(SeizureUnits.Length)], Next(), "Xingtai", $"EV-{_random.Next(1_000_000):D6}"));
        }

        if (_random.Next(10) == 0)
        {
            var referralId = Guid.CreateVersion7();
            facts.Add(() => new LeadReferred(referralId, Pick(Agencies), "Abroad", 1 + _random.Next(40), Next(), "Suppliers abroad"));
            if (_random.Next(2) == 0) facts.Add(() => new ReferralOutcomeReported(Guid.CreateVersion7(), referralId, Next(), _random.Next(10), _random.Next(5), _random.Next(5), ["Abroad"]));
        }

        if (_caseIds.Count > 10 && _random.Next(20) == 0)
        {
            var linked = _caseIds[_random.Next(_caseIds.Count - 1)];
            facts.Add(() => new CaseLinked(Guid.CreateVersion7(), linked, "related-network", "Same supplier", Next()));
        }

        var retractions = plan.Heavy ? 20 : _random.Next(30) == 0 ? 1 : 0;
        var tips = room - facts.Count - retractions;
        if (tips < 0)
        {
            facts = facts.Take(Math.Max(0, room - retractions)).ToList();
            tips = room - facts.Count - retractions;
            if (tips < 0)
            {
                retractions += tips;
                tips = 0;
            }
        }

        // Tips interleaved with the other facts, which keep the order they depend on each other in.
        var total = facts.Count + tips;
        var nextFact = 0;
        for (var i = 0; i < total; i++)
        {
            var factsLeft = facts.Count - nextFact;
            events.Add(factsLeft > 0 && _random.Next(total - i) < factsLeft ? facts[nextFact++]() : Tip(Next()));
        }

        if (restricted) events.Insert(Math.Min(events.Count, 1 + identified.Count + 1), new CaseRestricted(opened + step, "need to know"));
        // Entries nothing depends on (tips, seizures, arrests), each withdrawn at most once.
        var retractable = events.Select((e, index) => (Entry: e as ICaseEntryEvent, Version: index + 1))
            .Where(x => x.Entry is TipReceived or DrugsSeized or ArrestMade).ToList();
        var retracted = new HashSet<int>();
        for (var i = 0; i < retractions && retractable.Count > 0; i++)
        {
            var (entry, version) = retractable[_random.Next(retractable.Count)];
            if (!retracted.Add(version)) continue;
            var what = entry!.Entry;
            events.Add(new EntryRetracted(Guid.CreateVersion7(), what.Id, what.Kind, version, what.DefendantId, "Recorded in error", Next()));
        }

        while (events.Count < plan.Length - (closed ? 1 : 0) - (lifted ? 1 : 0)) events.Add(Tip(Next()));
        if (lifted) events.Add(new CaseRestrictionLifted(Next(), "need to know no longer applies"));
        if (closed) events.Add(new CaseClosed(Next(), "Closed after trial"));
        if (events.Count != plan.Length) throw new InvalidOperationException($"A case planned at {plan.Length} events came out at {events.Count}.");

        plan.Events = events;
        plan.Closed = closed;
        plan.RestrictedAtEnd = restricted && !lifted;
        var visible = !plan.RestrictedAtEnd;
        foreach (var person in identified) person.Visible |= visible;
    }

    private TipReceived Tip(DateTimeOffset at) =>
        new(Guid.CreateVersion7(), Pick(Agencies), at, "Online vendor shipping precursors abroad", _random.Next(4) == 0 ? $"{Pick(Nicknames)} {Pick(GivenNames)}" : null, null);

    /// <summary>The most common full name, and how many people a reader who sees no restricted case finds by it.</summary>
    private (string Term, int Matches) Search()
    {
        if (_people.Count == 0) return ("", 0);
        var term = _people.GroupBy(x => x.Name).MaxBy(x => x.Count())!.Key.ToLowerInvariant();
        var words = term.Split(' ');
        var matches = _people.Count(person => person.Visible &&
            words.All(word => string.Join(" | ", [person.Name, .. person.Aliases]).ToLowerInvariant().Contains(word, StringComparison.Ordinal)));
        return (term, matches);
    }
}
