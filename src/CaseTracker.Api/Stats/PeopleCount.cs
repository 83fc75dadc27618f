using System.Text.Json.Serialization;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Defendants;
using CaseTracker.Api.Storage;
using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events.Projections;

namespace CaseTracker.Api.Stats;

/// <summary>
/// How many people have a profile and are not merged into anyone: the dashboard's count of people
/// before need-to-know, kept so that reading it does not scan every profile.
/// </summary>
public class PeopleCount
{
    public const string All = "all";

    [Identity]
    public string Id { get; set; } = All;
    public long People { get; set; }
}

/// <summary>What the count knows of one person; a person it knows nothing of has no row.</summary>
public class CountedPerson
{
    public Guid Id { get; set; }

    /// <summary>Whether the person has a profile, by the profile's own rule (<see cref="Follow"/>).</summary>
    public bool Profiled { get; set; }

    /// <summary>The cases that identify the person and whose identification stands.</summary>
    public List<Guid> Cases { get; set; } = [];

    /// <summary>Merged into a survivor, who stands for them in the count.</summary>
    public bool Merged { get; set; }

    [JsonIgnore]
    public bool Counts => Profiled && !Merged;

    [JsonIgnore]
    public bool KnowsNothing => !Profiled && !Merged && Cases.Count == 0;

    /// <summary>
    /// When a person has a profile, as <see cref="DefendantProfileProjection"/> keeps it: every fact
    /// routed to the person makes one, and retracting the last identification deletes it.
    /// </summary>
    public void Follow(Guid caseId, object fact)
    {
        Profiled = true;
        switch (fact)
        {
            case DefendantIdentified when !Cases.Contains(caseId):
                Cases.Add(caseId);
                break;
            case EntryRetracted { Kind: EntryKind.Defendant }:
                Cases.Remove(caseId);
                Profiled = Cases.Count > 0;
                break;
        }
    }
}

/// <summary>
/// Keeps <see cref="PeopleCount"/>: a person adds one when they get a profile and are not merged,
/// and takes it away when their profile goes or they are merged into someone; a reversed merge
/// counts them again. Identifications and merges reach it in the order they were recorded, so a
/// rebuild counts the same. A page of events is applied at once: its people's rows are read in one
/// query, changed in memory in event order, and written back with the count.
/// </summary>
public partial class PeopleCountProjection : ProjectionBase, IProjection
{
    public PeopleCountProjection()
    {
        Name = "PeopleCount";
        Options.BatchSize = StoreConfiguration.ProjectionBatchSize;
        foreach (var type in new[]
                 {
                     typeof(DefendantIdentified), typeof(ArrestMade), typeof(ChargeFiled), typeof(VerdictReached), typeof(SentenceHanded),
                     typeof(SentenceCommuted), typeof(EntryRetracted), typeof(DefendantsMerged), typeof(DefendantsUnmerged),
                 })
        {
            IncludeType(type);
        }

        RegisterPublishedType(typeof(PeopleCount));
        RegisterPublishedType(typeof(CountedPerson));
        Options.DeleteViewTypeOnTeardown<PeopleCount>();
        Options.DeleteViewTypeOnTeardown<CountedPerson>();
    }

    /// <summary>The person an event changes the count's knowledge of, if any.</summary>
    private static Guid? PersonOf(object fact) => fact switch
    {
        DefendantsMerged x => x.MergedDefendantId,
        DefendantsUnmerged x => x.MergedDefendantId,
        ICaseEvent => DefendantProfileProjection.Concerning(fact),
        _ => null,
    };

    public async Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        var ids = events.Select(e => PersonOf(e.Data)).OfType<Guid>().Distinct().ToArray();
        if (ids.Length == 0) return;

        var count = await operations.LoadAsync<PeopleCount>(PeopleCount.All, cancellation) ?? new PeopleCount();
        var people = (await operations.LoadManyAsync<CountedPerson>(cancellation, ids)).ToDictionary(x => x.Id);
        foreach (var e in events)
        {
            if (PersonOf(e.Data) is not { } id) continue;
            var person = people.TryGetValue(id, out var known) ? known : people[id] = new CountedPerson { Id = id };
            var counted = person.Counts;
            switch (e.Data)
            {
                case DefendantsMerged:
                    person.Merged = true;
                    break;
                case DefendantsUnmerged:
                    person.Merged = false;
                    break;
                default:
                    person.Follow(e.StreamId, e.Data);
                    break;
            }

            count.People += (person.Counts ? 1 : 0) - (counted ? 1 : 0);
        }

        foreach (var person in people.Values)
        {
            if (person.KnowsNothing) operations.Delete<CountedPerson>(person.Id);
            else operations.Store(person);
        }

        operations.Store(count);
    }
}
