using System.Text.Json;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Defendants;
using CaseTracker.Api.Privacy;
using CaseTracker.Api.Stats;
using CaseTracker.Tests.Support;
using JasperFx.Events;
using Shouldly;
using Xunit;
using Case = CaseTracker.Api.Cases.Case;

namespace CaseTracker.Tests.Cases;

/// <summary>
/// Walks every kind of case fact through every place that must know it: the write model, the
/// command's answer, the case read model (stored and travelled), retraction, the profile routing
/// and the dashboard's totals. A new event type fails here until it has a sample below and every
/// one of those places handles it; see docs/adding-a-fact.md.
/// </summary>
public class every_kind_of_fact
{
    private static readonly DateTimeOffset At = DateTimeOffset.Parse("2018-08-01T06:00:00+08:00");
    private static readonly Guid CaseId = Guid.Parse("0195a3f4-0000-7000-8000-0000000000ca");
    private static readonly Guid Person = Guid.Parse("0195a3f4-0000-7000-8000-000000000001");
    private static readonly Guid Charge = Guid.Parse("0195a3f4-0000-7000-8000-000000000002");
    private static readonly Guid Sentence = Guid.Parse("0195a3f4-0000-7000-8000-000000000003");
    private static readonly Guid Referral = Guid.Parse("0195a3f4-0000-7000-8000-000000000004");

    /// <summary>What stands in the case before each sample: the entries samples may depend on.</summary>
    private static readonly object[] Before =
    [
        new CaseOpened(CaseId, "XT-1", "Xingtai", "Xingtai PSB", "Hebei, CN", ["US DHS"], At),
        new DefendantIdentified(Person, "Liu Yong", ["Lao Liu"], "CN", "manager", At),
        new ChargeFiled(Charge, Person, "Trafficking", At, "Art. 347"),
        new SentenceHanded(Sentence, Person, "death-with-reprieve", At, "Xingtai Intermediate Court", null, 2),
        new LeadReferred(Referral, "US DHS", "US", 50, At, "Leads"),
    ];

    /// <summary>One sample of every kind of case fact.</summary>
    public static TheoryData<string> Kinds => [.. Samples.Keys.Select(x => x.Name)];

    private static readonly Dictionary<Type, object> Samples = new object[]
    {
        new CaseOpened(Guid.NewGuid(), "XT-2", "Other", "Xingtai PSB", "Hebei, CN", [], At),
        new TipReceived(Guid.NewGuid(), "US DHS", At, "Vendor 'Diana'", "Diana", "email"),
        new DefendantIdentified(Guid.NewGuid(), "Wang", [], null, null, At),
        new ArrestMade(Guid.NewGuid(), Person, At, "Xingtai", "Xingtai PSB"),
        new DrugsSeized(Guid.NewGuid(), "fentanyl", 11.9m, "kg", At, "Lab", "EX-1"),
        new ChargeFiled(Guid.NewGuid(), Person, "Manufacture", At, null),
        new VerdictReached(Guid.NewGuid(), Person, Charge, "guilty", At, "Xingtai Intermediate Court"),
        new SentenceHanded(Guid.NewGuid(), Person, "fixed-term", At, "Court", 120, null),
        new SentenceCommuted(Guid.NewGuid(), Sentence, Person, "death-with-reprieve", "life", At, "Reprieve served", null, null),
        new LeadReferred(Guid.NewGuid(), "FBI", "US", 3, At, "More leads"),
        new ReferralOutcomeReported(Guid.NewGuid(), Referral, At, 25, 3, 3, ["US"]),
        new CaseLinked(Guid.NewGuid(), Guid.NewGuid(), "related-network", "Same supplier", At),
        new EntryRetracted(Guid.NewGuid(), Charge, EntryKind.Charge, 3, Person, "Filed in error", At),
        new CaseRestricted(At, "Informant protection"),
        new CaseRestrictionLifted(At, "Trial is public"),
        new CaseClosed(At, "Sentences handed"),
    }.ToDictionary(x => x.GetType());

    [Fact]
    public void every_case_event_type_has_a_sample()
    {
        var eventTypes = typeof(ICaseEvent).Assembly.GetTypes()
            .Where(x => typeof(ICaseEvent).IsAssignableFrom(x) && x is { IsAbstract: false, IsInterface: false });

        eventTypes.Where(x => !Samples.ContainsKey(x)).Select(x => x.Name)
            .ShouldBeEmpty("each kind of fact needs a sample here, which the tests below walk through every projection");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void the_write_model_moves_its_version(string kind)
    {
        var (_, current) = FoldWithSample(kind);

        current.Version.ShouldBe(Before.Length + 1);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void an_entry_is_answered_stored_shown_and_retracted(string kind)
    {
        if (Sample(kind) is not ICaseEntryEvent recorded) return;
        var id = recorded.Entry.Id;

        var answer = JsonSerializer.Serialize(CommandAccepted.For(CaseId, Before.Length + 1, recorded));
        answer.ShouldContain(id.ToString(), customMessage: "the command's answer names the entry it created");

        var wrapped = Wrap(recorded, Before.Length + 1);
        CaseEntriesProjection.Row(CaseId, wrapped)!.Kind.ShouldBe(recorded.Entry.Kind);
        CaseDetailsEntry.For(CaseId, wrapped)!.Kind.ShouldBe(recorded.Entry.Kind);

        var (details, _) = FoldWithSample(kind);
        JsonSerializer.Serialize(details).ShouldContain(id.ToString(), customMessage: "the case read model shows the entry");

        var retraction = new EntryRetracted(Guid.NewGuid(), id, recorded.Entry.Kind, Before.Length + 1, recorded.Entry.DefendantId, "wrong", At);
        var retracted = CaseDetails.Fold(details, CaseId, Wrap(retraction, Before.Length + 2));
        JsonSerializer.Serialize(retracted).ShouldNotContain(id.ToString(), customMessage: "a retraction takes the entry out again");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void a_fact_about_a_person_reaches_their_profile_and_has_a_place_there(string kind)
    {
        var sample = Sample(kind);
        var person = sample.GetType().GetProperty("DefendantId")?.GetValue(sample) as Guid?;

        DefendantProfileProjection.Concerning(sample).ShouldBe(person);
        if (person is not { } id) return;
        new PeopleCountProjection().IncludedEventTypes.ShouldContain(sample.GetType(), "the people count reads every fact that can make a profile");

        var projection = new DefendantProfileProjection(new PersonalKeys(new MasterKey(AppFixture.MasterKey)));
        var profile = projection.Evolve(null, id, Wrap(Before[1], 2));
        Should.NotThrow(() => projection.Evolve(profile, id, Wrap(sample, Before.Length + 1)), "the profile places every fact about a person");
    }

    /// <summary>
    /// The facts the dashboard deliberately has no total for. A new kind of fact must be placed
    /// here or be counted: the test below fails either way until one is true.
    /// </summary>
    private static readonly HashSet<Type> WithoutTotals =
    [
        typeof(DefendantIdentified), // people are counted by PeopleCountProjection
        typeof(ChargeFiled), typeof(VerdictReached), typeof(CaseLinked),
        typeof(CaseRestricted), typeof(CaseRestrictionLifted), // they move a case's whole contribution
        typeof(EntryRetracted), // it takes back what the retracted fact counted
    ];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void the_dashboard_counts_every_fact_that_has_a_total(string kind)
    {
        var sample = Sample(kind);
        var stats = new DashboardStats();
        var before = JsonSerializer.Serialize(stats);

        DashboardStatsProjection.Count(stats, sample, +1);

        var counted = JsonSerializer.Serialize(stats) != before;
        counted.ShouldBe(!WithoutTotals.Contains(sample.GetType()),
            WithoutTotals.Contains(sample.GetType()) ? $"{kind} is listed as having no total" : $"{kind} changes no total: count it, or list it in WithoutTotals");
    }

    private static object Sample(string kind) => Samples.Single(x => x.Key.Name == kind).Value;

    /// <summary>One sample of every kind of fact on a person's own record: court orders and merges.</summary>
    private static readonly Dictionary<Type, IPersonEvent> PersonSamples = new IPersonEvent[]
    {
        new RecordSealed(Person, "SC-1", "Xingtai Intermediate Court", At, null, [Person]),
        new RecordUnsealed(Person, "SC-1-L", At, [Person]),
        new RecordExpunged(Person, "EX-1", "Xingtai Intermediate Court", At, [Person]),
        new DefendantsMerged(Guid.NewGuid(), Person, Guid.NewGuid(), "Same fingerprints", At),
        new DefendantsUnmerged(Guid.NewGuid(), Person, Guid.NewGuid(), "Fingerprints withdrawn", At),
    }.ToDictionary(x => x.GetType());

    public static TheoryData<string> PersonKinds => [.. PersonSamples.Keys.Select(x => x.Name)];

    [Fact]
    public void every_person_event_type_has_a_sample()
    {
        typeof(IPersonEvent).Assembly.GetTypes()
            .Where(x => typeof(IPersonEvent).IsAssignableFrom(x) && x is { IsAbstract: false, IsInterface: false })
            .Where(x => !PersonSamples.ContainsKey(x)).Select(x => x.Name)
            .ShouldBeEmpty("each kind of fact on a person's record needs a sample here");
    }

    /// <summary>
    /// A fact on a person's record moves the record's version (If-Match and every answer name it),
    /// is answered again on a replayed Idempotency-Key, and is no case fact: profiles, totals and
    /// followers never see it as one.
    /// </summary>
    [Theory]
    [MemberData(nameof(PersonKinds))]
    public void a_fact_on_a_persons_record_moves_its_version_and_has_an_answer(string kind)
    {
        var sample = PersonSamples.Single(x => x.Key.Name == kind).Value;
        var e = new Event<object>(sample) { Version = 3, StreamId = Person };

        PersonRecord.Fold(new PersonRecord { Id = Person, Version = 2 }, Person, e)!.Version.ShouldBe(3);
        var replayed = sample is IPersonOrder order ? (object)new OrderRecorded(order.DefendantId, 3) : MergeRecorded.Replay(sample, 3);
        replayed.ShouldNotBeNull("a replayed Idempotency-Key answers what the first request did");
        DefendantProfileProjection.Concerning(sample).ShouldBeNull();
        sample.ShouldNotBeAssignableTo<ICaseEvent>();
    }

    private static (CaseDetails Details, Case Current) FoldWithSample(string kind)
    {
        CaseDetails? details = null;
        Case? current = null;
        long version = 0;
        foreach (var fact in (object[])[.. Before, Sample(kind)])
        {
            var e = Wrap(fact, ++version);
            details = CaseDetails.Fold(details, CaseId, e);
            current = Case.Fold(current, CaseId, e);
        }

        return (details!, current!);
    }

    private static IEvent Wrap(object fact, long version) => new Event<object>(fact) { Version = version, StreamId = CaseId };
}
