using System.Security.Cryptography;
using System.Text.Json.Nodes;
using CaseTracker.Api.Exports;
using JasperFx.CommandLine;
using Marten;

namespace CaseTracker.Api.Audit;

public class AuditInput : NetCoreInput
{
    [Description("verify: recompute the hash chain and signatures of every case and exhibit; verify-export: check an export file offline")]
    public string Action { get; set; } = "verify";

    [Description("verify-export: the file GET /api/cases/{id}/export answered")]
    public string File { get; set; } = "";

    [Description("A checkpoint from GET /api/audit/checkpoint: also report every stream shorter than, or diverging from, it")]
    public string? CheckpointFlag { get; set; }

    [Description("The public key (SPKI PEM) that signed the checkpoint; by default, for verify the configured Audit:ExportKey's, for verify-export the development key's")]
    public string? KeyFlag { get; set; }
}

/// <summary>
/// For scheduled checks: exits non-zero when any stream's chain is broken or a checkpoint is not met.
/// <c>verify-export</c> is for anyone handed an export: it needs the file and the public key only.
/// </summary>
[Description("audit verify [[--checkpoint FILE [[--key FILE]]]] | audit verify-export FILE [[--key FILE]]: checks every case and exhibit stream, or an export offline")]
public class AuditCommand : JasperFxAsyncCommand<AuditInput>
{
    public const string VerifyExport = "verify-export";
    private const string UsageLine = "usage: audit verify [--checkpoint FILE [--key FILE]] | audit verify-export FILE [--key FILE]";

    public AuditCommand()
    {
        Usage("Check every case stream in the database").Arguments(x => x.Action);
        Usage("Check an export offline").Arguments(x => x.Action, x => x.File);
    }

    /// <summary>
    /// Checking an export needs no database, configuration or secret, so Program runs it before the
    /// application is built: nothing starts Marten or Wolverine, or reads a key it does not need.
    /// </summary>
    public static bool IsOffline(string[] args) => args is ["audit", VerifyExport, ..];

    public static Task<int> RunOffline(string[] args) =>
        CommandExecutor.For(factory => factory.RegisterCommand<AuditCommand>()).ExecuteAsync(args);

    public override async Task<bool> Execute(AuditInput input)
    {
        if (input.Action == VerifyExport) return await CheckExport(input);
        if (input.Action != "verify" || input.File != "")
        {
            await Console.Error.WriteLineAsync(UsageLine);
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

        Console.WriteLine($"{streams.Count} streams checked (cases, exhibits and person records), {broken} invalid");
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

    private static async Task<bool> CheckExport(AuditInput input)
    {
        if (input.File == "")
        {
            await Console.Error.WriteLineAsync(UsageLine);
            return false;
        }

        byte[] file;
        string publicKey;
        try
        {
            file = await System.IO.File.ReadAllBytesAsync(input.File);
            publicKey = input.KeyFlag is { } keyFile ? await System.IO.File.ReadAllTextAsync(keyFile) : ExportKey.DevelopmentPublicKey;
            using var key = ECDsa.Create();
            key.ImportFromPem(publicKey);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or CryptographicException)
        {
            await Console.Error.WriteLineAsync($"audit verify-export: {e.Message}");
            await Console.Error.WriteLineAsync(UsageLine);
            return false;
        }

        if (input.KeyFlag is null)
        {
            await Console.Error.WriteLineAsync(
                "Checking with the built-in development key; for a deployment's export pass --key with the key its /.well-known/casetracker-export-key serves.");
        }

        var verdict = ExportVerifier.Verify(file, publicKey);
        Console.WriteLine(verdict.Valid
            ? $"VALID export of case {verdict.CaseId}: {verdict.Events} events in {verdict.Streams} {(verdict.Streams == 1 ? "stream" : "streams")}, every hash and link recomputed; " +
              $"checkpoint taken {verdict.TakenAt}, its signature verified with {input.KeyFlag ?? "the development key"}"
            : $"INVALID line {verdict.Line} of {input.File}: {verdict.Reason}");
        return verdict.Valid;
    }

    private static string Kind(Type? streamType) =>
        streamType == typeof(Exhibits.Exhibit) ? "exhibit" : streamType == typeof(Privacy.PersonRecord) ? "person's record" : "case";
}
