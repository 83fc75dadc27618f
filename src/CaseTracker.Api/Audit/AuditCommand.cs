using System.Text.Json.Nodes;
using JasperFx.CommandLine;
using Marten;

namespace CaseTracker.Api.Audit;

public class AuditInput : NetCoreInput
{
    [Description("verify: recompute the hash chain and signatures of every case and exhibit")]
    public string Action { get; set; } = "verify";

    [Description("A checkpoint from GET /api/audit/checkpoint: also report every stream shorter than, or diverging from, it")]
    public string? CheckpointFlag { get; set; }

    [Description("The public key (SPKI PEM) that signed the checkpoint; by default the configured Audit:ExportKey's")]
    public string? KeyFlag { get; set; }
}

/// <summary>For scheduled checks: exits non-zero when any stream's chain is broken or a checkpoint is not met.</summary>
[Description("audit verify [--checkpoint FILE [--key FILE]]: checks the hash chain and signatures of every case and exhibit stream")]
public class AuditCommand : JasperFxAsyncCommand<AuditInput>
{
    public override async Task<bool> Execute(AuditInput input)
    {
        if (input.Action != "verify")
        {
            await Console.Error.WriteLineAsync("usage: audit verify [--checkpoint FILE [--key FILE]]");
            return false;
        }

        using var host = input.BuildHost();
        var store = host.Services.GetRequiredService<IDocumentStore>();
        var integrity = host.Services.GetRequiredService<StreamIntegrity>();

        var streams = await StoredEvents.AllStreamIdsAsync(store, CancellationToken.None);
        var broken = 0;
        foreach (var streamId in streams)
        {
            var report = (await integrity.VerifyAsync(streamId, CancellationToken.None))!;
            if (report.Valid) continue;

            broken++;
            Console.WriteLine($"INVALID {Kind(report.StreamType)} {streamId} at version {report.FirstInvalidVersion}: {report.Reason}");
        }

        Console.WriteLine($"{streams.Count} streams checked (cases and exhibits), {broken} invalid");
        var checkpointMet = input.CheckpointFlag is null || await MeetsCheckpoint(input, host.Services);
        return broken == 0 && checkpointMet;
    }

    private static async Task<bool> MeetsCheckpoint(AuditInput input, IServiceProvider services)
    {
        var publicKey = input.KeyFlag is { } keyFile
            ? await File.ReadAllTextAsync(keyFile)
            : services.GetRequiredService<ExportKey>().PublicKeyPem;
        if (JsonNode.Parse(await File.ReadAllTextAsync(input.CheckpointFlag!)) is not JsonObject checkpoint
            || Checkpoints.Verified(checkpoint, publicKey) is not { } heads)
        {
            Console.WriteLine($"INVALID checkpoint {input.CheckpointFlag}: its signature does not verify with the export key");
            return false;
        }

        var breaches = await services.GetRequiredService<Checkpoints>().CompareAsync(heads, CancellationToken.None);
        await using var session = services.GetRequiredService<IDocumentStore>().QuerySession();
        foreach (var breach in breaches)
        {
            var type = (await session.Events.FetchStreamStateAsync(breach.StreamId))?.AggregateType;
            Console.WriteLine($"INVALID {Kind(type)} {breach.StreamId} at version {breach.Version}: {breach.Reason}");
        }

        Console.WriteLine($"{heads.Count} streams of the checkpoint taken {checkpoint["takenAt"]} checked, {breaches.Count} not met");
        return breaches.Count == 0;
    }

    private static string Kind(Type? streamType) => streamType == typeof(Exhibits.Exhibit) ? "exhibit" : "case";
}
