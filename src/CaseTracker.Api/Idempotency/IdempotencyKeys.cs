using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using CaseTracker.Api.Audit;
using CaseTracker.Api.Storage;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Defendants;
using CaseTracker.Api.Http;
using CaseTracker.Api.Privacy;
using Marten;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Mvc;

namespace CaseTracker.Api.Idempotency;

/// <summary>The key and request fingerprint of a first-time keyed command, for the seal to record.</summary>
public sealed record PendingIdempotency(string Key, string RequestHash);

/// <summary>
/// <c>Idempotency-Key</c> on commands: the same user, key and request answer the
/// first response again and append nothing; the same key with another request is a 422.
/// </summary>
public sealed class IdempotencyKeys(RequestDelegate next)
{
    public const string Header = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";
    public const int MaxKeyLength = 200;

    public async Task InvokeAsync(HttpContext http, IDocumentStore store, IOptions<JsonOptions> json, IProblemDetailsService problems)
    {
        var key = http.Request.Headers[Header].ToString();
        var user = http.User.FindFirst(ActorClaims.User)?.Value;
        if (!HttpMethods.IsPost(http.Request.Method) || key.Length == 0 || user is null)
        {
            await next(http);
            return;
        }

        if (key.Length > MaxKeyLength)
        {
            await Write(http, problems, Problems.Invalid(Header, $"must be at most {MaxKeyLength} characters"));
            return;
        }

        var requestHash = await Fingerprint(http.Request);
        await using var session = store.QuerySession();
        var record = await session.LoadAsync<IdempotencyRecord>(IdempotencyRecord.IdFor(user, key), http.RequestAborted);
        if (record is null)
        {
            http.Features.Set(new PendingIdempotency(key, requestHash));
            await next(http);
            return;
        }

        if (record.RequestHash != requestHash)
        {
            await Write(http, problems, new ProblemDetails
            {
                Status = StatusCodes.Status422UnprocessableEntity,
                Title = "Idempotency-Key already used for another request",
                Detail = $"The key '{key}' was first used with a different request; nothing was recorded. Use a new key."
            });
            return;
        }

        var appended = (await session.Events.ReadStreamAsync(record.CaseId, http.RequestAborted, upToVersion: record.Version, fromVersion: record.Version)).Single().Data;
        http.Response.Headers[ReplayedHeader] = "true";
        if (appended is IPersonOrder order)
        {
            // A court order's record is the person's own stream: its answer names the person.
            await http.Response.WriteAsJsonAsync(new OrderRecorded(order.DefendantId, record.Version), json.Value.SerializerOptions, http.RequestAborted);
            return;
        }

        if (MergeRecorded.Replay(appended, record.Version) is { } merge)
        {
            await http.Response.WriteAsJsonAsync(merge, json.Value.SerializerOptions, http.RequestAborted);
            return;
        }

        var accepted = CommandAccepted.For(record.CaseId, record.Version, appended);
        http.Response.StatusCode = accepted.StatusCode;
        if (accepted.Location is not null) http.Response.Headers.Location = accepted.Location;
        await http.Response.WriteAsJsonAsync(accepted, json.Value.SerializerOptions, http.RequestAborted);
    }

    /// <summary>
    /// Route and body: the same key on another route or with another body is another request. A
    /// JSON body counts by what it says, in the canonical form the hash chain uses (keys sorted, no
    /// white space, one spelling per number), so a client that re-serialises the same command with
    /// other formatting or key order is answered from the first request, not refused.
    /// </summary>
    private static async Task<string> Fingerprint(HttpRequest request)
    {
        request.EnableBuffering();
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, request.HttpContext.RequestAborted);
        request.Body.Position = 0;

        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(System.Text.Encoding.UTF8.GetBytes($"{request.Method} {request.Path}\n"));
        sha.AppendData(Canonical(body.GetBuffer().AsMemory(0, (int)body.Length)));
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>
    /// The body's canonical JSON, or the bytes as sent when they are not JSON one can canonicalise
    /// (malformed, or a key given twice): the endpoint refuses those.
    /// </summary>
    private static byte[] Canonical(ReadOnlyMemory<byte> body)
    {
        try
        {
            return HashChain.CanonicalBytes(JsonNode.Parse(body.Span));
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            return body.ToArray();
        }
    }

    private static async Task Write(HttpContext http, IProblemDetailsService problems, ProblemDetails problem)
    {
        http.Response.StatusCode = problem.Status!.Value;
        await problems.WriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem });
    }
}
