using System.Net.Http.Headers;
using Alba;
using System.Text.Json;
using CaseTracker.Api.Audit;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Notifications;
using CaseTracker.Tests.Support;
using Marten;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Notifications;

/// <summary>The live stream: server-sent events that a client can drop and resume without a gap or a repeat.</summary>
[Collection(NotificationsCollection.Name)]
public class notification_stream(NotificationsFixture fixture) : IntegrationContext(fixture)
{
    private const string Lead = "Xingtai PSB";

    /// <summary>One open stream, read line by line as a client would.</summary>
    private sealed class Listener : IAsyncDisposable
    {
        private readonly CancellationTokenSource _open = new();
        private readonly HttpClient _client;
        private HttpResponseMessage _response = null!;
        private StreamReader _reader = null!;

        private Listener(HttpClient client) => _client = client;

        public static async Task<Listener> Open(notification_stream test, string user, string? lastEventId = null)
        {
            var listener = new Listener(test.Host.Server.CreateClient());
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/notifications/stream");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", test.Fixture.TokenFor(Roles.Officer, user, Lead));
            if (lastEventId is not null) request.Headers.Add("Last-Event-ID", lastEventId);
            listener._response = await listener._client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, listener._open.Token);
            listener._response.EnsureSuccessStatusCode();
            listener._response.Content.Headers.ContentType!.MediaType.ShouldBe("text/event-stream");
            listener._reader = new StreamReader(await listener._response.Content.ReadAsStreamAsync(listener._open.Token));
            return listener;
        }

        /// <summary>The next event's fields, skipping comments; the id is null when the event carries none.</summary>
        public async Task<(string? Id, string Event, Notification Data)> Next()
        {
            string? id = null, name = null, data = null;
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_open.Token);
            deadline.CancelAfter(TimeSpan.FromMinutes(1));
            while (await _reader.ReadLineAsync(deadline.Token) is { } line)
            {
                if (line.Length == 0 && data is not null) return (id, name!, JsonSerializer.Deserialize<Notification>(data, IntegrationContext.Json)!);
                if (line.StartsWith("id: ", StringComparison.Ordinal)) id = line[4..];
                if (line.StartsWith("event: ", StringComparison.Ordinal)) name = line[7..];
                if (line.StartsWith("data: ", StringComparison.Ordinal)) data = line[6..];
            }

            throw new EndOfStreamException("The stream ended.");
        }

        /// <summary>The next comment line (keep-alive).</summary>
        public async Task<string> NextComment()
        {
            while (await _reader.ReadLineAsync(_open.Token) is { } line)
            {
                if (line.StartsWith(':')) return line;
            }

            throw new EndOfStreamException("The stream ended.");
        }

        public async ValueTask DisposeAsync()
        {
            await _open.CancelAsync();
            _reader.Dispose();
            _response.Dispose();
            _client.Dispose();
        }
    }

    [Fact]
    public async Task the_stream_delivers_notifications_as_they_are_made_and_resumes_after_last_event_id()
    {
        var caseId = await OpenCase();
        var user = $"streamer-{Guid.NewGuid():N}";
        await Post("/api/subscriptions", new { kind = SubscriptionKind.Case, targetId = caseId }, 201,
            more: x => x.WithBearerToken(Fixture.TokenFor(Roles.Officer, user, Lead)));

        string firstId;
        await using (var stream = await Listener.Open(this, user))
        {
            (await stream.NextComment()).ShouldBe(": connected");
            await Accepted($"/api/cases/{caseId}/tips", Commands.Tip());
            var first = await stream.Next();
            first.Event.ShouldBe("notification");
            first.Data.Type.ShouldBe("TipReceived");
            first.Id.ShouldBe(first.Data.Sequence.ToString());
            firstId = first.Id!;

            await Accepted($"/api/cases/{caseId}/seizures", Commands.Seizure());
            (await stream.Next()).Data.Type.ShouldBe("DrugsSeized");
        }

        // While no one listens, more happens; the client comes back naming the first event it had.
        var person = await IdentifyDefendant(caseId);
        await Accepted($"/api/cases/{caseId}/arrests", Commands.Arrest(person));

        await using (var resumed = await Listener.Open(this, user, lastEventId: firstId))
        {
            var types = new List<string>();
            for (var i = 0; i < 3; i++) types.Add((await resumed.Next()).Data.Type);
            types.ShouldBe(["DrugsSeized", "DefendantIdentified", "ArrestMade"], "everything after the first, once each, in order");

            // Idle, the stream says it is alive rather than going silent.
            (await resumed.NextComment()).ShouldBe(": keep-alive");
        }

        // Each part sent is in the read log with the case it showed.
        await using var session = Fixture.Store.QuerySession();
        var reads = await session.Query<ReadRecord>().Where(x => x.User == user && x.Route == "/api/notifications/stream").ToListAsync();
        reads.ShouldContain(x => x.Shown != null && x.Shown.Contains(caseId));
    }

    [Fact]
    public async Task a_malformed_last_event_id_is_refused()
    {
        await Host.Scenario(x =>
        {
            x.Get.Url("/api/notifications/stream");
            x.WithRequestHeader("Last-Event-ID", "yesterday");
            x.WithBearerToken(Fixture.TokenFor(Roles.Officer));
            x.StatusCodeShouldBe(400);
            x.ContentTypeShouldBe("application/problem+json");
        });
    }
}
