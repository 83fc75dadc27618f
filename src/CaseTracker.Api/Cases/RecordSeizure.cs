using CaseTracker.Api.Auth;
using CaseTracker.Api.Http;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace CaseTracker.Api.Cases;

public record RecordSeizure(string? Substance, decimal? Quantity, string? Unit, DateTimeOffset? SeizedAt, string? Place, string? EvidenceRef);

public static class RecordSeizureEndpoint
{
    public static ProblemDetails Validate(RecordSeizure command, TimeProvider clock) => new Validation(clock)
        .Text("substance", command.Substance)
        .Positive("quantity", command.Quantity, 1_000_000_000m)
        .OneOf("unit", command.Unit, Units.All)
        .Time("seizedAt", command.SeizedAt)
        .Text("place", command.Place)
        .Text("evidenceRef", command.EvidenceRef, required: false)
        .Result;

    /// <summary>Records drugs seized, by substance, quantity and unit.</summary>
    [WolverinePost("/api/cases/{caseId:guid}/seizures")]
    [Authorize(Policy = Policies.Record)]
    public static (CommandAccepted, Events) Post(RecordSeizure command, [WriteCase] Case current)
    {
        var seized = new DrugsSeized(
            Guid.CreateVersion7(), command.Substance!.Trim(), command.Quantity!.Value, command.Unit!,
            command.SeizedAt!.Value, command.Place!.Trim(), command.EvidenceRef?.Trim());
        return (CommandAccepted.For(current, seized), [seized]);
    }
}

/// <summary>Units a seizure may be recorded in, and the exact gram factor of the mass units.</summary>
public static class Units
{
    public static readonly IReadOnlyList<string> All = ["g", "kg", "lb", "tablets", "ml"];

    /// <summary>The avoirdupois pound is defined as exactly 453.59237 g.</summary>
    public static readonly IReadOnlyDictionary<string, decimal> Grams = new Dictionary<string, decimal>
    {
        ["g"] = 1m,
        ["kg"] = 1000m,
        ["lb"] = 453.59237m,
    };

    /// <summary>Totals group "Fentanyl" and " fentanyl" together.</summary>
    public static string SubstanceKey(string substance) => substance.Trim().ToLowerInvariant();
}
