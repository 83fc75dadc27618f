using System.Text.Json;
using CaseTracker.Api.Audit;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Defendants;
using CaseTracker.Api.Exhibits;
using CaseTracker.Api.Stats;
using JasperFx.Events;
using Shouldly;
using Xunit;
using Case = CaseTracker.Api.Cases.Case;

namespace CaseTracker.Tests.Exhibits;

/// <summary>
/// Walks every kind of exhibit fact through every place that must know it: the exhibit's write
/// model, its read model (stored and travelled: one fold), the command's answer, the hash chain's
/// business time; and through the case's projections, which must leave it alone (an exhibit's
/// stream is no case's). A new exhibit event type fails here until it has a sample below.
/// </summary>
public class every_kind_of_exhibit_fact
{
    private static readonly DateTimeOffset At = DateTimeOffset.Parse("2018-08-01T06:00:00+08:00");
    private static readonly DateTimeOffset Later = DateTimeOffset.Parse("2018-08-10T09:00:00+08:00");
    private static readonly Guid CaseId = Guid.Parse("0195a3f4-0000-7000-8000-0000000000ca");
    private static readonly Guid ExhibitId = Guid.Parse("0195a3f4-0000-7000-8000-0000000000e1");
    private static readonly Guid SeizureId = Guid.Parse("0195a3f4-0000-7000-8000-000000000005");

    private static readonly ExhibitLogged Logged = new(ExhibitId, CaseId, SeizureId, "XT-1/1", "S-1", "Powder", 1000m, At, "Store", "Shelf 4");

    /// <summary>One sample of every kind of exhibit fact, each dated <see cref="Later"/> but the logging.</summary>
    private static readonly Dictionary<Type, object> Samples = new object[]
    {
        Logged,
        new CustodyTransferred(CaseId, "Store", "Laboratory", "lab-analysis", Later, false, 980m, "Lab", [new Discrepancy("seal", "broken")]),
        new LabAnalysisReported(CaseId, "Laboratory", "L-1", Later, "Fentanyl", 975m, 0.5m, 41m, 1m, ["GC-MS"]),
        new ExhibitDisposed(CaseId, Later, "destroyed", "Court order 17", ["Officer Zhang"]),
    }.ToDictionary(x => x.GetType());

    public static TheoryData<string> Kinds => [.. Samples.Keys.Select(x => x.Name)];

    [Fact]
    public void every_exhibit_event_type_has_a_sample_and_none_is_a_case_event()
    {
        var eventTypes = typeof(IExhibitEvent).Assembly.GetTypes()
            .Where(x => typeof(IExhibitEvent).IsAssignableFrom(x) && x is { IsAbstract: false, IsInterface: false }).ToList();

        eventTypes.Where(x => !Samples.ContainsKey(x)).Select(x => x.Name)
            .ShouldBeEmpty("each kind of exhibit fact needs a sample here, which the tests below walk through every projection");
        eventTypes.ShouldNotContain(x => typeof(ICaseEvent).IsAssignableFrom(x), "exhibit facts are in the exhibit's stream, not the case's");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void the_write_model_and_the_read_model_move_their_version_and_show_the_fact(string kind)
    {
        var sample = Sample(kind);
        var (exhibit, details) = FoldWithSample(sample);

        var expected = sample is ExhibitLogged ? 1 : 2;
        exhibit.Version.ShouldBe(expected);
        details.Version.ShouldBe(expected);
        details.CaseId.ShouldBe(CaseId);
        if (sample is not ExhibitLogged)
        {
            var (_, before) = FoldWithSample(null);
            before.Version = details.Version;
            JsonSerializer.Serialize(details).ShouldNotBe(JsonSerializer.Serialize(before), "the read model shows the fact");
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void the_answer_names_the_exhibit_its_case_and_the_exhibits_version(string kind)
    {
        var answer = CommandAccepted.For(ExhibitId, 2, Sample(kind));

        (answer.CaseId, answer.Version, answer.Created).ShouldBe((CaseId, 2L, new CreatedEntry("exhibitId", ExhibitId)));
        CommandAccepted.IdNames.ShouldContain("exhibitId");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void the_chain_covers_its_business_time_and_time_travel_bounds_by_it(string kind)
    {
        var fact = Sample(kind).ShouldBeAssignableTo<IFact>()!;
        fact.OccurredAt.ShouldBe(kind == nameof(ExhibitLogged) ? At : Later);

        new TimeTravel(null, null, Later.AddTicks(-1)).HadHappened(fact).ShouldBe(kind == nameof(ExhibitLogged));
        new TimeTravel(null, null, Later).HadHappened(fact).ShouldBeTrue();
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void the_case_its_people_and_the_shared_totals_leave_it_alone(string kind)
    {
        var sample = Sample(kind);
        var e = Wrap(sample, 1);

        Case.Fold(null, ExhibitId, e).ShouldBeNull();
        CaseDetails.Fold(null, ExhibitId, e).ShouldBeNull();
        CaseEntriesProjection.Row(ExhibitId, e).ShouldBeNull();
        CaseDetailsEntry.For(ExhibitId, e).ShouldBeNull();
        DefendantProfileProjection.Concerning(sample).ShouldBeNull();

        // Exhibit figures are counted from the exhibits' read model when the dashboard is read.
        var stats = new DashboardStats();
        var before = JsonSerializer.Serialize(stats);
        DashboardStatsProjection.Count(stats, sample, +1);
        JsonSerializer.Serialize(stats).ShouldBe(before);
    }

    private static object Sample(string kind) => Samples.Single(x => x.Key.Name == kind).Value;

    private static (Exhibit Exhibit, ExhibitDetails Details) FoldWithSample(object? sample)
    {
        object[] facts = sample is null or ExhibitLogged ? [Logged] : [Logged, sample];
        Exhibit? exhibit = null;
        ExhibitDetails? details = null;
        long version = 0;
        foreach (var fact in facts)
        {
            var e = Wrap(fact, ++version);
            exhibit = Exhibit.Fold(exhibit, ExhibitId, e);
            details = ExhibitDetails.Fold(details, ExhibitId, e);
        }

        return (exhibit!, details!);
    }

    private static IEvent Wrap(object fact, long version) => new Event<object>(fact) { Version = version, StreamId = ExhibitId };
}
