using CaseTracker.Api.Cases;

namespace CaseTracker.Tests.Support;

/// <summary>
/// A deterministic stream of commands over many cases: people shared between cases, seizures in
/// every unit, sentences with commutations, referrals with outcomes, retractions, restrictions
/// (some lifted again), links and closures. The sender must be an officer of the cases' lead agency.
/// </summary>
public sealed class Corpus(int seed, int cases)
{
    private readonly Random _random = new(seed);

    /// <summary>One case's commands, given the ids of people already identified in earlier cases.</summary>
    public delegate Task<CommandAccepted> Send(string route, object body);

    public int Cases => cases;

    public async Task OpenAndIdentify(int index, Func<object, Task<Guid>> open, Send send, List<Guid> people)
    {
        var caseId = await open(Commands.OpenCase($"CORPUS-{seed}-{index:D5}"));
        CaseIds[index] = caseId;
        for (var i = 0; i < 3; i++)
        {
            var person = (await send($"/api/cases/{caseId}/defendants",
                new { name = $"Person {index}-{i}", aliases = new[] { $"alias-{index}-{i}" }, occurredAt = Commands.At })).EntryId!.Value;
            lock (people) people.Add(person);
            Defendants[index].Add(person);
        }
    }

    public Guid[] CaseIds { get; } = new Guid[cases];
    public List<Guid>[] Defendants { get; } = Enumerable.Range(0, cases).Select(_ => new List<Guid>()).ToArray();

    /// <summary>The choices for every case, drawn up front so that sending in parallel changes nothing.</summary>
    public CasePlan[] Plan(IReadOnlyList<Guid> people) => Enumerable.Range(0, cases).Select(index => new CasePlan(
        index,
        Shared: people[_random.Next(people.Count)],
        Units: [.. Enumerable.Range(0, 2).Select(_ => Units.All[_random.Next(Units.All.Count)])],
        Quantities: [.. Enumerable.Range(0, 2).Select(_ => Math.Round((decimal)_random.NextDouble() * 100 + 0.5m, 3))],
        Guilty: [.. Enumerable.Range(0, 4).Select(_ => _random.Next(5) > 0)],
        Commute: _random.Next(3) == 0,
        Refer: _random.Next(2) == 0,
        RetractSeizure: _random.Next(4) == 0,
        Link: index > 0 && _random.Next(3) == 0,
        Restrict: _random.Next(6) == 0,
        Lift: _random.Next(2) == 0,
        Close: _random.Next(5) == 0)).ToArray();

    public async Task Develop(CasePlan plan, Send send)
    {
        var caseId = CaseIds[plan.Index];
        var defendants = Defendants[plan.Index];
        if (!defendants.Contains(plan.Shared))
        {
            await send($"/api/cases/{caseId}/defendants", new { defendantId = plan.Shared, occurredAt = Commands.At });
            defendants.Add(plan.Shared);
        }

        await send($"/api/cases/{caseId}/tips", Commands.Tip().With("fromAgency", $"Agency {plan.Index % 7}"));
        var seizures = new List<Guid>();
        for (var i = 0; i < 2; i++)
        {
            seizures.Add((await send($"/api/cases/{caseId}/seizures", Commands.Seizure(plan.Quantities[i], plan.Units[i], $"substance {plan.Index % 5}"))).EntryId!.Value);
        }

        if (plan.Restrict) await send($"/api/cases/{caseId}/restriction", new { reason = "need to know" });

        for (var i = 0; i < defendants.Count; i++)
        {
            var defendant = defendants[i];
            await send($"/api/cases/{caseId}/arrests", Commands.Arrest(defendant));
            var charge = (await send($"/api/cases/{caseId}/charges", Commands.Charge(defendant))).EntryId!.Value;
            var guilty = plan.Guilty[i];
            await send($"/api/cases/{caseId}/verdicts", Commands.Verdict(defendant, charge, guilty ? "guilty" : "not-guilty"));
            if (!guilty) continue;

            var sentence = i == 0
                ? (await send($"/api/cases/{caseId}/sentences", Commands.Sentence(defendant, "death-with-reprieve", null, 2))).EntryId!.Value
                : (await send($"/api/cases/{caseId}/sentences", Commands.Sentence(defendant, "fixed-term", 6 + 12 * i))).EntryId!.Value;
            if (i == 0 && plan.Commute) await send($"/api/cases/{caseId}/sentences/{sentence}/commutations", Commands.Commutation("life"));
        }

        if (plan.Refer)
        {
            var referral = (await send($"/api/cases/{caseId}/referrals", Commands.Referral(plan.Index % 13))).EntryId!.Value;
            await send($"/api/cases/{caseId}/referrals/{referral}/outcomes", Commands.Outcome(plan.Index % 5, plan.Index % 3, plan.Index % 2));
        }

        if (plan.RetractSeizure) await send($"/api/cases/{caseId}/retractions", Commands.Retraction(seizures[0]));
        if (plan.Restrict && plan.Lift) await send($"/api/cases/{caseId}/restriction/lifting", new { reason = "public now" });
        if (plan.Link) await send($"/api/cases/{caseId}/links", Commands.Link(CaseIds[plan.Index - 1]).With("occurredAt", Commands.At));
        if (plan.Close) await send($"/api/cases/{caseId}/closure", Commands.Closure());
    }
}

public sealed record CasePlan(
    int Index, Guid Shared, string[] Units, decimal[] Quantities, bool[] Guilty,
    bool Commute, bool Refer, bool RetractSeizure, bool Link, bool Restrict, bool Lift, bool Close);
