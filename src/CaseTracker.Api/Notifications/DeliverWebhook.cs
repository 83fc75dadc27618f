using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Defendants;
using CaseTracker.Api.Privacy;
using Marten;

namespace CaseTracker.Api.Notifications;

/// <summary>
/// How webhooks are delivered (configuration section <c>Webhooks</c>). A failed delivery is tried
/// again after <see cref="FirstRetry"/>, then after twice as long each time, <see cref="Retries"/>
/// times, before it becomes a dead letter; the defaults (10 s, 7 retries) keep trying for 21 minutes.
/// </summary>
public sealed record WebhookSettings(bool AllowPrivateNetworks, TimeSpan FirstRetry, int Retries, TimeSpan Timeout)
{
    public static WebhookSettings From(IConfiguration configuration)
    {
        var first = configuration.GetValue("Webhooks:FirstRetrySeconds", 10.0);
        var retries = configuration.GetValue("Webhooks:Retries", 7);
        var timeout = configuration.GetValue("Webhooks:TimeoutSeconds", 10.0);
        if (first is <= 0 or > 86_400) throw new InvalidOperationException("Webhooks:FirstRetrySeconds must be more than 0 and at most 86400.");
        if (retries is < 1 or > 20) throw new InvalidOperationException("Webhooks:Retries must be from 1 to 20.");
        if (timeout is <= 0 or > 300) throw new InvalidOperationException("Webhooks:TimeoutSeconds must be more than 0 and at most 300.");
        return new WebhookSettings(
            configuration.GetValue("Webhooks:AllowPrivateNetworks", false), TimeSpan.FromSeconds(first), retries, TimeSpan.FromSeconds(timeout));
    }

    /// <summary>The wait before each retry: exponential backoff.</summary>
    public TimeSpan[] RetryDelays => [.. Enumerable.Range(0, Retries).Select(i => FirstRetry * Math.Pow(2, i))];
}

/// <summary>One notification for one subscription's webhook, queued durably in PostgreSQL by <see cref="WebhookDispatch"/>.</summary>
public record DeliverWebhook(Guid SubscriptionId, Guid EventId);

/// <summary>A delivery that did not reach a 2xx answer; Wolverine retries it with backoff, then keeps it as a dead letter.</summary>
public sealed class WebhookDeliveryFailed(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Delivers from the durable local queue (Wolverine): the subscription, the case and the orders on
/// the person the event names are read now, so an ended subscription receives nothing more, and a
/// case restricted (or a person sealed) since the event was recorded is not told to a subscriber
/// who may not see it.
/// </summary>
public static class DeliverWebhookHandler
{
    public static async Task Handle(DeliverWebhook message, IQuerySession session, WebhookSender sender, CancellationToken ct)
    {
        if (await session.LoadAsync<Subscription>(message.SubscriptionId, ct) is not { WebhookUrl: not null } subscription) return;
        if (await session.Events.LoadAsync(message.EventId, ct) is not { } e) return;
        if (!(await session.LoadAsync<CaseHeader>(e.StreamId, ct)).Shows(subscription.Subscriber())) return;
        var named = DefendantProfileProjection.Concerning(e.Data);
        var groups = await Subscription.GroupsAsync(session, [subscription], ct);
        var orders = await Disclosure.ForAsync(session, subscription.Subscriber(), Subscription.Judged([named], groups), ct);
        if (!subscription.Reaches(named, groups, orders, subscription.Subscriber())) return;

        await sender.SendAsync(subscription, FeedEntry.Of(e, subscription.TargetId).To(subscription.Id), ct);
    }
}

/// <summary>
/// Posts a notification as a CloudEvents 1.0 structured JSON event. The body depends on the
/// notification alone, so every retry sends the same bytes, id and signature.
/// </summary>
public sealed class WebhookSender(IHttpClientFactory clients)
{
    public const string Client = "webhooks";
    public const string SignatureHeader = "X-CaseTracker-Signature";
    public const string ContentType = "application/cloudevents+json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public async Task SendAsync(Subscription subscription, Notification notification, CancellationToken ct)
    {
        var body = Body(notification);
        using var request = new HttpRequestMessage(HttpMethod.Post, subscription.WebhookUrl);
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(ContentType) { CharSet = "utf-8" };
        request.Headers.Add(SignatureHeader, Signature(body, subscription.Secret!));

        var client = clients.CreateClient(Client);
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            if (!response.IsSuccessStatusCode)
            {
                throw new WebhookDeliveryFailed($"{Host(subscription)} answered {(int)response.StatusCode} for event {notification.EventId}.");
            }
        }
        catch (HttpRequestException e)
        {
            throw new WebhookDeliveryFailed($"{Host(subscription)} could not be reached for event {notification.EventId}: {e.InnerException?.Message ?? e.Message}", e);
        }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new WebhookDeliveryFailed($"{Host(subscription)} did not answer within {client.Timeout.TotalSeconds} s for event {notification.EventId}.", e);
        }
    }

    /// <summary>The CloudEvent: its id is the event's, the same on every retry and for every subscriber.</summary>
    public static byte[] Body(Notification notification) => JsonSerializer.SerializeToUtf8Bytes(new CloudEvent(
        "1.0",
        notification.EventId.ToString(),
        $"/api/cases/{notification.CaseId}",
        $"casetracker.{notification.Type}",
        notification.RecordedAt,
        "application/json",
        notification), Json);

    /// <summary><c>sha256=</c> and the lower-case hex HMAC-SHA256 of the exact body, keyed with the subscription's secret.</summary>
    public static string Signature(byte[] body, string secret) =>
        $"sha256={Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body))}";

    /// <summary>Errors name the host only: a webhook URL's path may hold a token of the receiver's.</summary>
    private static string Host(Subscription subscription) => new Uri(subscription.WebhookUrl!).Authority;
}

/// <param name="Time">when CaseTracker recorded the event; the data carries when it happened, too</param>
public record CloudEvent(
    [property: JsonPropertyName("specversion")] string SpecVersion,
    string Id,
    string Source,
    string Type,
    DateTimeOffset Time,
    [property: JsonPropertyName("datacontenttype")] string DataContentType,
    Notification Data);
