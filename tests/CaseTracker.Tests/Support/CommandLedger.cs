using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using CaseTracker.Api.Storage;
using Npgsql;
using Shouldly;

namespace CaseTracker.Tests.Support;

/// <summary>
/// The oracle of the fault tests: every command is sent with its own Idempotency-Key and retried
/// with the same key until answered; afterwards every acknowledged key must be in the store exactly
/// once, and no key more than once. Tests move from one phase of a fault to the next on what the
/// ledger has seen (so many acknowledged, an outage met), never after a fixed time: on a loaded
/// machine a fixed window may hold almost no commands.
/// </summary>
public sealed class CommandLedger
{
    private readonly ConcurrentDictionary<string, bool> _accepted = new();
    private readonly ConcurrentBag<string> _sent = [];

    public ConcurrentBag<HttpStatusCode> Statuses { get; } = [];
    public ConcurrentBag<string> UnavailableWithoutRetryAfter { get; } = [];
    public ConcurrentBag<string> Refusals { get; } = [];
    private int _unavailable;
    private int _interrupted;

    public TimeSpan LongestAnswer { get; private set; }
    public int Accepted => _accepted.Count;

    /// <summary>Answers of 503.</summary>
    public int Unavailable => Volatile.Read(ref _unavailable);

    /// <summary>Attempts that got no answer at all: refused or dropped connections, timeouts.</summary>
    public int Interrupted => Volatile.Read(ref _interrupted);

    /// <summary>
    /// Posts until the API answers with anything but 503 or a dropped connection, for at most
    /// <paramref name="patience"/> (3 minutes unless given): long enough for a restart on a loaded machine.
    /// </summary>
    public async Task<HttpResponseMessage?> Send(HttpClient client, string url, object body, string key, TimeSpan? patience = null)
    {
        _sent.Add(key);
        var deadline = DateTime.UtcNow + (patience ?? TimeSpan.FromMinutes(3));
        while (DateTime.UtcNow < deadline)
        {
            var started = DateTime.UtcNow;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
                request.Headers.Add("Idempotency-Key", key);
                var response = await client.SendAsync(request);
                Record(DateTime.UtcNow - started);
                Statuses.Add(response.StatusCode);
                if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                {
                    Interlocked.Increment(ref _unavailable);
                    if (response.Headers.RetryAfter is null) UnavailableWithoutRetryAfter.Add(key);
                    await Task.Delay(250);
                    continue;
                }

                if (response.IsSuccessStatusCode) _accepted[key] = true;
                else Refusals.Add($"{(int)response.StatusCode} {key}: {await response.Content.ReadAsStringAsync()}");
                return response;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                // The API process is down or restarting: the client does not know whether it landed.
                Record(DateTime.UtcNow - started);
                Interlocked.Increment(ref _interrupted);
                await Task.Delay(250);
            }
        }

        return null;
    }

    /// <summary>
    /// Waits until <paramref name="done"/> holds while <paramref name="writers"/> keep sending. Fails
    /// only when truly stuck: a writer failed, every writer stopped, or the generous deadline passed.
    /// </summary>
    public async Task Until(Func<CommandLedger, bool> done, IReadOnlyCollection<Task> writers, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromMinutes(3);
        var deadline = DateTime.UtcNow + limit;
        while (!done(this))
        {
            if (writers.FirstOrDefault(x => x.IsFaulted) is { } failed) await failed;
            if (writers.All(x => x.IsCompleted)) throw new InvalidOperationException($"Every writer stopped before {what}: {Summary()}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Not {what} within {limit}: {Summary()}");
            await Task.Delay(50);
        }
    }

    private string Summary() =>
        $"{Accepted} acknowledged, {Unavailable} answers of 503, {Interrupted} attempts unanswered, {Refusals.Count} refused";

    private void Record(TimeSpan took)
    {
        lock (_sent)
        {
            if (took > LongestAnswer) LongestAnswer = took;
        }
    }

    /// <summary>Each acknowledged key appended exactly once; no key appended twice.</summary>
    public async Task VerifyAgainst(string connectionString)
    {
        var stored = new Dictionary<string, long>();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"select headers ->> 'idempotencyKey', count(*) from {StoreConfiguration.Schema}.mt_events " +
            "where headers ? 'idempotencyKey' group by 1", connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) stored[reader.GetString(0)] = reader.GetInt64(1);

        foreach (var key in _accepted.Keys) stored.GetValueOrDefault(key).ShouldBe(1, $"acknowledged command {key}");
        stored.Values.ShouldAllBe(count => count == 1);
        stored.Keys.ShouldAllBe(key => _sent.Contains(key));
    }
}
