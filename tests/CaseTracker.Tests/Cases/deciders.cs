using CaseTracker.Api.Cases;
using Microsoft.AspNetCore.Http;
using JasperFx.Events;
using Shouldly;
using Wolverine.Http;
using Xunit;
using Case = CaseTracker.Api.Cases.Case;

namespace CaseTracker.Tests.Cases;

/// <summary>The deciders and the folds are pure: commands and events in, events and documents out.</summary>
public class deciders
{
    private static readonly DateTimeOffset At = DateTimeOffset.Parse("2018-08-01T06:00:00+08:00");

    /// <summary>A case folded from its events: the write model and the entry rows its projections keep.</summary>
    private static (Case Current, CaseEntries Entries) Fold(params object[] events)
    {
        var caseId = Guid.NewGuid();
        Case? current = null;
        var rows = new Dictionary<string, CaseEntry>();
        long version = 0;
        foreach (var e in (object[])[new CaseOpened(caseId, "XT-1", "t", "a", "j", [], At), .. events])
        {
            var wrapped = new JasperFx.Events.Event<object>(e) { Version = ++version };
            current = Case.Fold(current, caseId, wrapped);
            if (CaseEntriesProjection.Row(caseId, wrapped) is { } row) rows[row.Id] = row;
        }

        return (current!, new CaseEntries([.. rows.Values]));
    }

    private static Case OpenCase(params object[] events) => Fold(events).Current;

    [Fact]
    public void an_arrest_is_decided_from_the_command_alone()
    {
        var defendant = Guid.NewGuid();
        var current = OpenCase(new DefendantIdentified(defendant, "Liu Yong", [], null, null, At));

        var (accepted, events) = RecordArrestEndpoint.Post(new RecordArrest(defendant, At, " Xingtai ", "PSB"), current);

        var arrest = events.ShouldHaveSingleItem().ShouldBeOfType<ArrestMade>();
        arrest.ShouldBe(new ArrestMade(arrest.ArrestId, defendant, At, "Xingtai", "PSB"));
        accepted.ShouldBe(new CommandAccepted(current.Id, 3) { Created = new CreatedEntry("arrestId", arrest.ArrestId) });
    }

    [Fact]
    public void an_arrest_of_an_unidentified_defendant_is_refused()
    {
        var current = OpenCase();

        var problem = RecordArrestEndpoint.Before(new RecordArrest(Guid.NewGuid(), At, "x", "y"), current);

        problem.Status.ShouldBe(404);
    }

    [Fact]
    public void a_closed_case_is_refused_by_the_rules_every_case_command_shares()
    {
        var current = OpenCase(new CaseClosed(At, "done"));

        CaseWriteRules.Before(current, current.Id, new DefaultHttpContext()).Status.ShouldBe(409);
    }

    [Fact]
    public void retracting_the_latest_commutation_gives_the_sentence_its_former_kind_back()
    {
        var defendant = Guid.NewGuid();
        var sentence = Guid.NewGuid();
        var first = Guid.NewGuid();
        var second = Guid.NewGuid();
        object[] history =
        [
            new DefendantIdentified(defendant, "Liu Yong", [], null, null, At),
            new SentenceHanded(sentence, defendant, "death-with-reprieve", At, "court", null, 2),
            new SentenceCommuted(first, sentence, defendant, "death-with-reprieve", "life", At, "r", null, null),
            new SentenceCommuted(second, sentence, defendant, "life", "fixed-term", At, "r", 240, null),
        ];
        var (current, entries) = Fold(history);

        entries.HasLiveDependents(first).ShouldBeTrue("a later commutation builds on it");
        entries.HasLiveDependents(sentence).ShouldBeTrue();
        entries.HasLiveDependents(second).ShouldBeFalse();
        entries.CurrentKind(sentence).ShouldBe("fixed-term");

        var (_, events) = RetractEntryEndpoint.Post(new RetractEntry(second, "wrong", At), current, entries, TimeProvider.System);
        var retracted = events.ShouldHaveSingleItem().ShouldBeOfType<EntryRetracted>();
        (retracted.Kind, retracted.EntryVersion, retracted.DefendantId).ShouldBe((EntryKind.Commutation, 5L, defendant));

        var (_, after) = Fold([.. history, retracted]);
        after.CurrentKind(sentence).ShouldBe("life");
        after.HasLiveDependents(first).ShouldBeFalse();
        RetractEntryEndpoint.Before(new RetractEntry(second, "again", At), after, new LiveExhibits([])).Status.ShouldBe(409);
    }

    [Fact]
    public void a_valid_command_passes_validation()
    {
        RecordSeizureEndpoint.Validate(new RecordSeizure("fentanyl", 11.9m, "kg", At, "lab", null), TimeProvider.System).ShouldBe(WolverineContinue.NoProblems);
    }

    [Fact]
    public void a_commutation_changes_the_current_form_of_a_sentence_and_its_retraction_restores_it()
    {
        var caseId = Guid.NewGuid();
        var defendant = Guid.NewGuid();
        var sentence = Guid.NewGuid();
        var commutation = Guid.NewGuid();
        CaseDetails? details = null;
        var version = 0;
        foreach (var e in new object[]
                 {
                     new CaseOpened(caseId, "XT-1", "t", "a", "j", [], At),
                     new DefendantIdentified(defendant, "Liu Yong", [], null, null, At),
                     new SentenceHanded(sentence, defendant, "death-with-reprieve", At, "court", null, 2),
                     new SentenceCommuted(commutation, sentence, defendant, "death-with-reprieve", "life", At.AddYears(2), "served reprieve", null, null),
                 })
        {
            details = CaseDetails.Fold(details, caseId, new JasperFx.Events.Event<object>(e) { Version = ++version });
        }

        details!.Sentences.Single().Kind.ShouldBe("life");
        details.Defendants.Single().Status.ShouldBe("sentenced");
        details.LastOccurredAt.ShouldBe(At.AddYears(2));

        details = CaseDetails.Fold(details, caseId, new JasperFx.Events.Event<object>(new EntryRetracted(Guid.NewGuid(), commutation, EntryKind.Commutation, 4, defendant, "wrong", At)) { Version = 5 });
        details!.Sentences.Single().Kind.ShouldBe("death-with-reprieve");
        details.Version.ShouldBe(5);
    }

    [Fact]
    public void seizure_totals_convert_mass_units_to_grams_exactly()
    {
        var details = new CaseDetails
        {
            Seizures =
            [
                new CaseSeizure(Guid.NewGuid(), "Fentanyl", 11.9m, "kg", At, "p", null),
                new CaseSeizure(Guid.NewGuid(), " fentanyl", 1, "lb", At, "p", null),
                new CaseSeizure(Guid.NewGuid(), "fentanyl", 300, "tablets", At, "p", null),
            ]
        };

        details.SeizureTotals.ShouldBe(new Dictionary<string, decimal> { ["fentanyl"] = 12353.59237m });
        details.SeizureOtherUnits["fentanyl"]["tablets"].ShouldBe(300m);
    }
}
