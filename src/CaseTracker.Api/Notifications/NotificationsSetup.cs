using Wolverine;
using Wolverine.ErrorHandling;
using Wolverine.Marten;
using Wolverine.RabbitMQ;

namespace CaseTracker.Api.Notifications;

public static class NotificationsSetup
{
    public const string WebhookQueue = "webhooks";

    public static IServiceCollection AddCaseTrackerNotifications(this IServiceCollection services, IConfiguration configuration)
    {
        // Read when first needed, so that hosts configured late (tests) are honoured.
        services.AddSingleton(sp => WebhookSettings.From(sp.GetRequiredService<IConfiguration>()));
        services.AddSingleton(sp => NotificationStreamSettings.From(sp.GetRequiredService<IConfiguration>()));
        services.AddSingleton<WebhookAddresses>();
        services.AddSingleton<WebhookSender>();
        services.AddHttpClient(WebhookSender.Client)
            // The default request log names the whole URL, whose path may hold a receiver's token.
            .RemoveAllLoggers()
            .ConfigureHttpClient((sp, client) => client.Timeout = sp.GetRequiredService<WebhookSettings>().Timeout)
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                ConnectCallback = sp.GetRequiredService<WebhookAddresses>().ConnectAsync,
                // A redirect or a proxy would take the request somewhere the address rules never saw.
                AllowAutoRedirect = false,
                UseProxy = false,
                PooledConnectionLifetime = TimeSpan.FromMinutes(1),
            });

        services.SubscribeToEvents(new WebhookDispatch());
        if (EventBroadcast.ConfiguredUri(configuration) is not null) services.SubscribeToEvents(new EventBroadcast());
        services.AddWolverineExtension<NotificationMessaging>();
        return services;
    }
}

/// <summary>
/// Wolverine's part: webhook deliveries wait in a durable local queue (PostgreSQL, so a node that
/// dies leaves them for another), failures are retried on an exponential schedule kept in the
/// database and then kept as dead letters; with a broker configured, recorded events go to its
/// topic exchange through the durable outbox.
/// </summary>
public sealed class NotificationMessaging(IConfiguration configuration, WebhookSettings webhooks) : IWolverineExtension
{
    public void Configure(WolverineOptions options)
    {
        options.PublishMessage<DeliverWebhook>().ToLocalQueue(NotificationsSetup.WebhookQueue).UseDurableInbox();
        options.Policies.OnException<WebhookDeliveryFailed>().ScheduleRetry(webhooks.RetryDelays).Then.MoveToErrorQueue();

        if (EventBroadcast.ConfiguredUri(configuration) is { } uri)
        {
            options.UseRabbitMq(new Uri(uri))
                .AutoProvision()
                // Each publish waits for the broker's acknowledgement, so an outbox row is deleted only
                // once the broker has the message; without it a broker dying mid-publish would lose it.
                .ConfigureChannelCreation(channel =>
                {
                    channel.PublisherConfirmationsEnabled = true;
                    channel.PublisherConfirmationTrackingEnabled = true;
                });
            options.PublishMessagesToRabbitMqExchange<BrokerEvent>(EventBroadcast.Exchange, x => x.Type).UseDurableOutbox();
        }
    }
}
