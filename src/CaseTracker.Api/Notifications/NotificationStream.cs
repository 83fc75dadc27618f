using System.Globalization;
using System.Text.Json;
using CaseTracker.Api.Audit;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Http;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Wolverine.Http;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace CaseTracker.Api.Notifications;

/// <summary>How the live stream of notifications paces itself (configuration section <c>Notifications</c>).</summary>
/// <param name="Poll">how often an idle stream looks for new notifications</param>
/// <param name="KeepAlive">how long a stream stays silent before it sends a comment, so proxies keep it open</param>
public sealed record NotificationStreamSettings(TimeSpan Poll, TimeSpan KeepAlive)
{
    public static NotificationStreamSettings From(IConfiguration configuration)
    {
        var poll = configuration.GetValue("Notifications:PollMilliseconds", 1000.0);
        var keepAlive = configuration.GetValue("Notifications:KeepAliveSeconds", 15.0);
        if (poll is < 10 or > 60_000) throw new InvalidOperationException("Notifications:PollMilliseconds must be from 10 to 60000.");
        if (keepAlive is < 0.1 or > 3600) throw new InvalidOperationException("Notifications:KeepAliveSeconds must be from 0.1 to 3600.");
        return new NotificationStreamSettings(TimeSpan.FromMilliseconds(poll), TimeSpan.FromSeconds(keepAlive));
    }
}

public static class NotificationStreamEndpoint
{
    public const string LastEventId = "Last-Event-ID";

    /// <summary>Streams the caller's notifications as they are made.</summary>
    /// <remarks>
    /// Server-sent events (<c>text/event-stream</c>): each notification is an event <c>notification</c>
    /// whose <c>id</c> is its sequence and whose <c>data</c> is the notification as
    /// <c>GET /api/notifications</c> answers it. A client that reconnects with <c>Last-Event-ID</c>
    /// (browsers do by themselves) resumes after that sequence, missing and repeating nothing; so does
    /// <paramref name="after"/>. Without either the stream starts with the next notification. A comment
    /// line keeps an idle stream open. The stream ends when the client goes, or when the bearer token
    /// it was opened with expires.
    /// </remarks>
    [WolverineGet("/api/notifications/stream", OperationId = "StreamNotifications")]
    [Authorize(Policy = Policies.ReadCases)]
    [ProducesResponseType<string>(StatusCodes.Status200OK, "text/event-stream")]
    public static async Task<IResult> Get(
        long? after, HttpContext http, IDocumentStore store, NotificationStreamSettings settings, TimeProvider clock,
        IOptions<JsonOptions> json, CancellationToken ct)
    {
        var header = http.Request.Headers[LastEventId].ToString();
        long? resumeAfter = null;
        if (header.Length > 0)
        {
            if (!long.TryParse(header, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                return Results.Problem(Problems.Invalid(LastEventId, "must be the sequence of a notification received earlier"));
            }

            resumeAfter = parsed;
        }

        if (after is < 0) return Results.Problem(Problems.Invalid("after", "must be 0 or more"));

        // Without a resume point, the stream starts at the newest event, not at the beginning of history.
        var cursor = resumeAfter ?? after ?? await Highest(store, ct);
        var expires = Expiry(http);

        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        // Reverse proxies (nginx) buffer answers unless told otherwise, which would hold notifications back.
        http.Response.Headers["X-Accel-Buffering"] = "no";
        var writer = new StreamWriter(http.Response.Body, leaveOpen: true) { NewLine = "\n" };
        try
        {
            // Sends the headers now, so the client knows it is connected before the first notification.
            await writer.WriteAsync(": connected\n\n");
            await writer.FlushAsync(ct);
            var silentSince = clock.GetUtcNow();
            // The token was checked once, when the stream opened; the stream ends when it expires, and
            // the client reconnects (with Last-Event-ID) under a fresh one.
            while (!ct.IsCancellationRequested && clock.GetUtcNow() < expires)
            {
                List<Notification> items;
                bool more;
                await using (var session = store.QuerySession())
                {
                    (items, more) = await NotificationReader.ReadAsync(session, http.User, cursor, NotificationEndpoints.MaxLimit, ct);
                }

                if (items.Count > 0)
                {
                    await ReadAudit.RecordMoreAsync(http, NotificationReader.Shown(items));
                    await WriteAsync(writer, items, json.Value.SerializerOptions);
                    await writer.FlushAsync(ct);
                    cursor = items[^1].Sequence;
                    silentSince = clock.GetUtcNow();
                    if (more) continue;
                }
                else if (clock.GetUtcNow() - silentSince >= settings.KeepAlive)
                {
                    await writer.WriteAsync(": keep-alive\n\n");
                    await writer.FlushAsync(ct);
                    silentSince = clock.GetUtcNow();
                }

                await Task.Delay(settings.Poll, clock, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away: the stream is over, and that is not an error.
        }
        catch (IOException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            await writer.DisposeAsync();
        }

        return Results.Empty;
    }

    /// <summary>
    /// Notifications that share a sequence (one event told to two of the reader's subscriptions) are
    /// sent together, and only the last of them carries the id: a client cut off between them
    /// resumes before the event, so it may see one again but never misses one.
    /// </summary>
    private static async Task WriteAsync(StreamWriter writer, List<Notification> items, JsonSerializerOptions options)
    {
        for (var i = 0; i < items.Count; i++)
        {
            var lastOfEvent = i == items.Count - 1 || items[i + 1].Sequence != items[i].Sequence;
            if (lastOfEvent) await writer.WriteAsync($"id: {items[i].Sequence.ToString(CultureInfo.InvariantCulture)}\n");
            await writer.WriteAsync("event: notification\n");
            await writer.WriteAsync($"data: {JsonSerializer.Serialize(items[i], options)}\n\n");
        }
    }

    /// <summary>When the bearer token expires (its <c>exp</c> claim, in seconds since 1970).</summary>
    private static DateTimeOffset Expiry(HttpContext http) =>
        long.TryParse(http.User.FindFirst("exp")?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : DateTimeOffset.MaxValue;

    private static async Task<long> Highest(IDocumentStore store, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        return await session.Database.FetchHighestEventSequenceNumber(ct);
    }
}
