using System.Diagnostics;
using JasperFx.Events.Projections;
using Marten;
using Npgsql;

namespace CaseTracker.Api.Storage;

/// <summary>
/// What a projection's stored documents were last built by: its declared version and the
/// <see cref="CodeIdentity"/> of its code. One row per projection, in the projections' own database.
/// </summary>
/// <param name="Id">the projection's name</param>
/// <param name="Rebuilds">how many times a start found the projection changed and rebuilt it</param>
/// <param name="RebuiltThrough">the event sequence the last rebuild reached (0: never rebuilt at a start)</param>
public sealed record ProjectionFingerprint(string Id, uint Version, string Code, int Rebuilds, long RebuiltThrough, DateTimeOffset RecordedAt)
{
    public bool Matches(ProjectionFingerprint other) => Version == other.Version && Code == other.Code;
}

/// <summary>
/// Brings the read models up to date before the API serves, rebuilding only what changed: a
/// projection whose declared version or code identity differs from the fingerprint stored when its
/// documents were last built is rebuilt from the events, once; the rest are left alone, so a start
/// costs the same whatever the number of events (docs/projections.md, "Deploying a changed
/// projection"). A database with events but no fingerprints (one left by a CaseTracker before
/// fingerprints) is rebuilt once, as every start used to do.
/// </summary>
/// <remarks>
/// It runs in <see cref="StartingAsync"/>, before any hosted service starts: before Wolverine starts
/// the daemon's asynchronous projections and before Kestrel takes a request, so nothing reads or
/// writes a read model while it is being rebuilt on this node. Nodes starting together take turns
/// on an advisory lock; the second finds the fingerprints current and rebuilds nothing.
/// </remarks>
public sealed class ProjectionFingerprints(IDocumentStore store, TimeProvider clock, ILogger<ProjectionFingerprints> logger) : IHostedLifecycleService
{
    /// <summary>Held while fingerprints are compared and projections rebuilt; distinct from Marten's and Wolverine's locks.</summary>
    private const long RebuildLock = 0x4354_5242; // "CTRB"

    /// <summary>What the projections registered in this build would store, by projection name.</summary>
    public static IReadOnlyDictionary<string, ProjectionFingerprint> Current(IDocumentStore store, DateTimeOffset now) =>
        ((StoreOptions)store.Options).Projections.All.ToDictionary(
            source => source.Name,
            source => new ProjectionFingerprint(source.Name, source.Version, CodeIdentity.Of([source.ImplementationType, .. source.PublishedTypes()]), 0, 0, now));

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await Execute(connection, $"select pg_advisory_lock({RebuildLock})", cancellationToken);
        try
        {
            await BringUpToDate(cancellationToken);
        }
        finally
        {
            await Execute(connection, $"select pg_advisory_unlock({RebuildLock})", CancellationToken.None);
        }
    }

    private async Task BringUpToDate(CancellationToken ct)
    {
        var current = Current(store, clock.GetUtcNow());
        IReadOnlyList<ProjectionFingerprint> stored;
        bool hasEvents;
        await using (var session = store.QuerySession())
        {
            stored = await session.Query<ProjectionFingerprint>().ToListAsync(ct);
            hasEvents = await session.Events.Everything().AnyAsync(ct);
        }

        var byName = stored.ToDictionary(x => x.Id);
        var changed = current.Values
            .Where(x => !byName.TryGetValue(x.Id, out var before) ? hasEvents : !before.Matches(x))
            .ToList();
        var unrecorded = current.Values.Where(x => !byName.ContainsKey(x.Id) && !changed.Contains(x)).ToList();
        if (changed.Count == 0 && unrecorded.Count == 0) return;

        var rebuilt = new List<ProjectionFingerprint>();
        if (changed.Count > 0)
        {
            // The schema first: a new version of a projection stores into tables of its own.
            await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
            using var daemon = await store.BuildProjectionDaemonAsync();
            foreach (var projection in changed)
            {
                var before = byName.GetValueOrDefault(projection.Id);
                logger.LogWarning("Rebuilding projection {Projection} before serving: {Reason}", projection.Id,
                    before is null ? "no fingerprint is stored for it" :
                    before.Version != projection.Version ? $"its version went from {before.Version} to {projection.Version}" : "its code changed");
                var clock = Stopwatch.StartNew();
                await daemon.RebuildProjectionAsync(projection.Id, TimeSpan.FromHours(24), ct);
                var through = (await store.Advanced.FetchEventStoreStatistics(token: ct)).EventSequenceNumber;
                logger.LogWarning("Rebuilt projection {Projection} through event {Sequence} in {Seconds:0.0} s", projection.Id, through, clock.Elapsed.TotalSeconds);
                rebuilt.Add(projection with { Rebuilds = (before?.Rebuilds ?? 0) + 1, RebuiltThrough = through });
            }
        }

        await using var write = store.LightweightSession();
        write.Store([.. rebuilt, .. unrecorded]);
        await write.SaveChangesAsync(ct);
    }

    private static async Task Execute(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
