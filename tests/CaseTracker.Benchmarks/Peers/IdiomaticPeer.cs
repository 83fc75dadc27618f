using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using JasperFx.Events.Projections;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine;
using Wolverine.Http;
using Wolverine.Http.Marten;
using Wolverine.Marten;

namespace CaseTracker.Benchmarks.Peers;

/// <summary>
/// What a team would write with Marten and Wolverine by following Wolverine's IncidentService sample:
/// the whole case as one inline snapshot (every tip inside it, so it grows with the case), loaded
/// and rewritten by every command through <c>[Aggregate]</c> with optimistic concurrency, no
/// idempotency keys, no hash chain, no read model split. Only the token check is CaseTracker's own,
/// so that both sides pay for the same check.
/// </summary>
public static class IdiomaticPeer
{
    public const string Schema = "peer";

    public static StoreOptions Configure(this StoreOptions opts, string connectionString)
    {
        opts.Connection(connectionString);
        opts.DatabaseSchemaName = Schema;
        opts.Projections.Snapshot<PeerCase>(SnapshotLifecycle.Inline);
        // As in the sample.
        opts.Events.UseArchivedStreamPartitioning = true;
        opts.Projections.UseIdentityMapForAggregates = true;
        return opts;
    }

    public static async Task<int> Serve(string url, string connectionString, string signingKey)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration["Auth:SigningKey"] = signingKey;
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddMarten(opts => opts.Configure(connectionString))
            .UseLightweightSessions()
            .IntegrateWithWolverine();
        builder.Host.UseWolverine(opts => opts.Policies.AutoApplyTransactions());
        builder.Services.AddWolverineHttp();
        builder.Services.AddProblemDetails();
        builder.Services.AddCaseTrackerAuth();

        var app = builder.Build();
        app.Urls.Add(url);
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/health", () => "ok").AllowAnonymous();
        app.MapWolverineEndpoints();
        await app.RunAsync();
        return 0;
    }

    public static async Task<List<Guid>> OpenCases(IDocumentStore store, int count, int tips)
    {
        var cases = new List<Guid>();
        for (var i = 0; i < count; i++)
        {
            var caseId = Guid.CreateVersion7();
            await using var session = store.LightweightSession();
            session.Events.StartStream<PeerCase>(caseId,
                [new PeerCaseOpened(caseId, $"PEER-{caseId:N}"[..30], "Benchmark case", "Xingtai PSB", DateTimeOffset.Parse("2018-08-01T06:00:00+08:00")),
                    .. Enumerable.Range(0, tips).Select(_ => new PeerTipReceived(Guid.CreateVersion7(), "US Department of Homeland Security",
                        DateTimeOffset.Parse("2017-05-15T09:00:00-04:00"), "Online vendor 'Diana' shipping fentanyl to the US", "Diana", null))]);
            await session.SaveChangesAsync();
            cases.Add(caseId);
        }

        return cases;
    }
}

public record PeerCaseOpened(Guid CaseId, string Reference, string Title, string LeadAgency, DateTimeOffset OpenedAt);

public record PeerTipReceived(Guid TipId, string FromAgency, DateTimeOffset ReceivedAt, string Summary, string? SubjectAlias, string? Channel);

public record PeerCaseClosed(DateTimeOffset ClosedAt);

/// <summary>The whole case, as the sample's <c>Incident</c>: one document, rewritten by every command.</summary>
public class PeerCase
{
    public Guid Id { get; set; }
    public int Version { get; set; }
    public string Reference { get; set; } = "";
    public string Title { get; set; } = "";
    public string LeadAgency { get; set; } = "";
    public bool Closed { get; set; }
    public List<PeerTipReceived> Tips { get; set; } = [];

    public static PeerCase Create(PeerCaseOpened e) => new() { Id = e.CaseId, Reference = e.Reference, Title = e.Title, LeadAgency = e.LeadAgency };

    public void Apply(PeerTipReceived e) => Tips.Add(e);

    public void Apply(PeerCaseClosed _) => Closed = true;
}

public record TipAccepted(Guid CaseId, long Version, Guid TipId);

public static class PeerReceiveTipEndpoint
{
    public static ProblemDetails Validate(PeerCase @case) =>
        @case.Closed ? new ProblemDetails { Detail = "The case is closed.", Status = 409 } : WolverineContinue.NoProblems;

    [WolverinePost("/api/cases/{caseId:guid}/tips")]
    [Authorize(Policy = Policies.Record)]
    public static (TipAccepted, Events) Post(ReceiveTip command, [Aggregate("caseId")] PeerCase @case)
    {
        var tip = new PeerTipReceived(Guid.CreateVersion7(), command.FromAgency!, command.ReceivedAt!.Value, command.Summary!, command.SubjectAlias, command.Channel);
        return (new TipAccepted(@case.Id, @case.Version + 1, tip.TipId), [tip]);
    }
}
