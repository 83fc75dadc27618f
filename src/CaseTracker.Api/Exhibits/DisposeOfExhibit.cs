using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Http;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace CaseTracker.Api.Exhibits;

/// <param name="Authority">the order the exhibit is disposed of under</param>
public record DisposeOfExhibit(DateTimeOffset? DisposedAt, string? Method, string? Authority, IReadOnlyList<string?>? Witnesses);

public static class DisposeOfExhibitEndpoint
{
    public static ProblemDetails Validate(DisposeOfExhibit command, TimeProvider clock) => new Validation(clock)
        .Time("disposedAt", command.DisposedAt)
        .OneOf("method", command.Method, DisposalMethods.All)
        .Text("authority", command.Authority, Validation.MaxText)
        .Texts("witnesses", command.Witnesses)
        .Result;

    /// <summary>Disposal ends the chain, so it too comes after the last hand-over.</summary>
    public static ProblemDetails Before(DisposeOfExhibit command, Exhibit current) =>
        ExhibitWriteRules.NotBeforeCustody(current, "disposedAt", command.DisposedAt!.Value).OrContinue();

    /// <summary>Records the exhibit's disposal on an order; nothing can be recorded on it afterwards.</summary>
    [WolverinePost("/api/exhibits/{exhibitId:guid}/disposal")]
    [Authorize(Policy = Policies.Record)]
    public static (CommandAccepted, Events) Post(DisposeOfExhibit command, [WriteExhibit] Exhibit current)
    {
        var disposed = new ExhibitDisposed(
            current.CaseId, command.DisposedAt!.Value, command.Method!, command.Authority!.Trim(),
            [.. (command.Witnesses ?? []).Select(x => x!.Trim())]);
        return (CommandAccepted.For(current, disposed), [disposed]);
    }
}
