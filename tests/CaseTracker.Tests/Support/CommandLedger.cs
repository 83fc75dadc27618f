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
/// once, and no key more than once.
/// </summary>
public sealed class CommandLedger
{
    private readonly ConcurrentDictionary<string, bool> _accepted = new();
    private readonly ConcurrentBag<string> _sent = [];

    public ConcurrentBag<HttpStatusCode> Statuses { get; } = [];
    public ConcurrentBag<string> UnavailableWithoutRetryAfter { get; } = [];
    public ConcurrentBag<string> Refusals { get; } = [];
    public TimeSpan LongestAnswer { get; private set; }
    public int Accepted => _accepted.Count;

    /// <summary>Posts until the API answers with anything but 503 or a dropped connection (bounded).</summary>
    public async Task<HttpResponseMessage?> Send(HttpClient client, string url, object body, string key, int attempts = 120)
    {
        _sent.Add(key);
        for (var attempt = 0; attempt < attempts; attempt++)
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
                await Task.Delay(250);
            }
        }

        return null;
    }

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
