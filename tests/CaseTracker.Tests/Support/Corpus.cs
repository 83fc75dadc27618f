using CaseTracker.Api.Cases;

namespace CaseTracker.Tests.Support;

/// <summary>
/// A deterministic stream of commands over many cases: people shared between cases, seizures in
/// every unit, exhibits with their custody, lab results (some superseded), discrepancies and
/// disposals, sentences with commutations, referrals with outcomes, retractions (of seizures whose
/// exhibits were disposed of, too), restrictions (some lifted again), links and closures. The
/// sender must be an officer of the cases' lead agency.
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
        Exhibits: _random.Next(3),
        Weighed: [.. Enumerable.Range(0, 2).Select(_ => Math.Round((decimal)_random.NextDouble() * 40 + 980, 2))],
        SealBroken: _random.Next(8) == 0,
        ToCourt: _random.Next(3) == 0,
        DisposeExhibit: _random.Next(4) == 0,
        Commute: _random.Next(3) == 0,
        Refer: _random.Next(2) == 0,
        RetractSeizure: _random.Next(4) == 0,
        Link: index > 0 && _random.Next(3) == 0,
        Restrict: _random.Next(6) == 0,
        Lift: _random.Next(2) == 0,
        Close: _random.Next(5) == 0)).ToArray();

    /// <summary>
    /// Exhibits of the second seizure, which stands: to the laboratory and back, a result and a
    /// second opinion, sometimes court and disposal. A seizure to be retracted first has its one
    /// exhibit disposed of.
    /// </summary>
    private async Task DevelopExhibits(CasePlan plan, Guid caseId, List<Guid> seizures, Send send)
    {
        for (var n = 0; n < plan.Exhibits; n++)
        {
            var exhibit = (await send($"/api/cases/{caseId}/exhibits",
                Commands.Exhibit(seizures[1], $"{plan.Index}/{n + 1}", $"CORPUS-{seed}-{plan.Index}-{n}", 1000m))).EntryId!.Value;
            await send($"/api/exhibits/{exhibit}/transfers", Commands.Transfer(
                Commands.EvidenceStore, Commands.Laboratory, "lab-analysis", "2018-08-10T09:00:00+08:00", !plan.SealBroken, plan.Weighed[n]));
            await send($"/api/exhibits/{exhibit}/lab-results", Commands.LabResult(plan.Weighed[n] - 20, $"substance {plan.Index % 5}"));
            if (n == 0) await send($"/api/exhibits/{exhibit}/lab-results", Commands.LabResult(plan.Weighed[n] - 25, $"Substance {plan.Index % 5}", "2018-09-01T10:00:00+08:00"));
            await send($"/api/exhibits/{exhibit}/transfers", Commands.Transfer(Commands.Laboratory, Commands.EvidenceStore, "return", "2018-09-02T09:00:00+08:00"));
            if (plan.ToCourt) await send($"/api/exhibits/{exhibit}/transfers", Commands.Transfer(Commands.EvidenceStore, "Court", "court", "2019-10-30T09:00:00+08:00"));
            if (plan.DisposeExhibit) await send($"/api/exhibits/{exhibit}/disposal", Commands.Disposal());
        }

        if (!plan.RetractSeizure) return;

        var doomed = (await send($"/api/cases/{caseId}/exhibits",
            Commands.Exhibit(seizures[0], $"{plan.Index}/0", $"CORPUS-{seed}-{plan.Index}-retracted", 500m))).EntryId!.Value;
        await send($"/api/exhibits/{doomed}/lab-results", Commands.LabResult(480m, $"substance {plan.Index % 5}"));
        await send($"/api/exhibits/{doomed}/disposal", Commands.Disposal());
    }

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
        await DevelopExhibits(plan, caseId, seizures, send);

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
    int Exhibits, decimal[] Weighed, bool SealBroken, bool ToCourt, bool DisposeExhibit,
    bool Commute, bool Refer, bool RetractSeizure, bool Link, bool Restrict, bool Lift, bool Close);
