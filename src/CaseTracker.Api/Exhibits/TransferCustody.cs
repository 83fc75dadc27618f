using System.Globalization;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Http;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace CaseTracker.Api.Exhibits;

/// <param name="SealIntact">whether the seal was found unbroken at the hand-over</param>
/// <param name="ObservedGrossGrams">the gross weight found at the hand-over, if weighed</param>
public record TransferCustody(
    string? From,
    string? To,
    string? Purpose,
    DateTimeOffset? TransferredAt,
    bool? SealIntact,
    decimal? ObservedGrossGrams,
    string? Location);

public static class TransferCustodyEndpoint
{
    /// <summary>A weight is a discrepancy when it moved by more than both of these from the logged one.</summary>
    public const decimal WeightToleranceFraction = 0.01m;
    public const decimal WeightToleranceGrams = 0.5m;

    public static ProblemDetails Validate(TransferCustody command, TimeProvider clock) => new Validation(clock)
        .Text("from", command.From)
        .Text("to", command.To)
        .OneOf("purpose", command.Purpose, CustodyPurposes.All)
        .Time("transferredAt", command.TransferredAt)
        .Required("sealIntact", command.SealIntact)
        .Positive("observedGrossGrams", command.ObservedGrossGrams, 1_000_000_000m, required: false)
        .Text("location", command.Location, required: false)
        .Result;

    /// <summary>Custody passes only from whoever holds the exhibit, and never back in time.</summary>
    public static ProblemDetails Before(TransferCustody command, Exhibit current)
    {
        var from = command.From!.Trim();
        if (!string.Equals(from, current.Custodian, StringComparison.OrdinalIgnoreCase))
        {
            return Problems.Conflict(
                $"Exhibit {current.ExhibitNumber} is held by {current.Custodian}, not {from}; custody passes only from whoever holds it.", "exhibit");
        }

        return ExhibitWriteRules.NotBeforeCustody(current, "transferredAt", command.TransferredAt!.Value).OrContinue();
    }

    /// <summary>Records a hand-over of the exhibit; a broken seal or a moved weight is recorded as a discrepancy, never refused.</summary>
    [WolverinePost("/api/exhibits/{exhibitId:guid}/transfers")]
    [Authorize(Policy = Policies.Record)]
    public static (CommandAccepted, Events) Post(TransferCustody command, [WriteExhibit] Exhibit current)
    {
        var transferred = new CustodyTransferred(
            current.CaseId, current.Custodian, command.To!.Trim(), command.Purpose!, command.TransferredAt!.Value, command.SealIntact!.Value,
            command.ObservedGrossGrams, command.Location?.Trim(), Discrepancies(current, command.SealIntact!.Value, command.ObservedGrossGrams));
        return (CommandAccepted.For(current, transferred), [transferred]);
    }

    /// <summary>
    /// What a hand-over shows to be wrong: a seal found broken, or a gross weight more than 1% and
    /// more than 0.5 g away from the one logged (scales and packaging moisture account for less).
    /// </summary>
    public static IReadOnlyList<Discrepancy> Discrepancies(Exhibit current, bool sealIntact, decimal? observedGrossGrams)
    {
        var found = new List<Discrepancy>();
        if (!sealIntact) found.Add(new Discrepancy(Discrepancy.Seal, $"seal {current.SealNumber} was found broken"));

        if (observedGrossGrams is { } observed)
        {
            var moved = observed - current.GrossGrams;
            if (Math.Abs(moved) > current.GrossGrams * WeightToleranceFraction && Math.Abs(moved) > WeightToleranceGrams)
            {
                var percent = moved / current.GrossGrams * 100;
                found.Add(new Discrepancy(Discrepancy.Weight, string.Create(CultureInfo.InvariantCulture,
                    $"weighed {observed} g gross against {current.GrossGrams} g logged ({moved:+0.###;-0.###} g, {percent:+0.##;-0.##}%)")));
            }
        }

        return found;
    }
}
