using System.Text.Json;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CaseTracker.Benchmarks.Peers;

/// <summary>
/// What a team would write without an event store: an ASP.NET Core minimal API whose command runs
/// the benchmark's hand-written transaction (<see cref="Baselines.HandWritten"/>: lock the stream
/// row, insert the event, bump the version, upsert the read model, record the key) over Npgsql.
/// The token check is CaseTracker's own, as for the other peer.
/// </summary>
public static class HandWrittenPeer
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<int> Serve(string url, string connectionString, string signingKey)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration["Auth:SigningKey"] = signingKey;
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddProblemDetails();
        builder.Services.AddCaseTrackerAuth();

        var app = builder.Build();
        app.Urls.Add(url);
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/health", () => "ok").AllowAnonymous();
        app.MapPost("/api/cases/{caseId:guid}/tips", async (Guid caseId, ReceiveTip command, HttpRequest request) =>
        {
            if (command.FromAgency is null || command.ReceivedAt is null || command.Summary is null)
            {
                return Results.Problem(detail: "fromAgency, receivedAt and summary are required.", statusCode: 400);
            }

            // Stored as the team would write it, alias and all in the clear: this peer has no per-person
            // encryption, which CaseTracker's figures beside it pay for.
            var tipId = Guid.CreateVersion7();
            var tip = new { tipId, command.FromAgency, ReceivedAt = command.ReceivedAt.Value, command.Summary, command.SubjectAlias, command.Channel };
            var key = request.Headers["Idempotency-Key"].FirstOrDefault() ?? Guid.NewGuid().ToString();
            var version = await Baselines.HandWritten(connectionString, caseId, key, JsonSerializer.Serialize(tip, Json));
            return Results.Ok(new TipAccepted(caseId, version, tipId));
        }).RequireAuthorization(Policies.Record);
        await app.RunAsync();
        return 0;
    }
}
