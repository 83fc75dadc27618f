using JasperFx.CommandLine;
using Marten;

namespace CaseTracker.Api.Audit;

public class AuditInput : NetCoreInput
{
    [Description("verify: recompute the hash chain and signatures of every case")]
    public string Action { get; set; } = "verify";
}

/// <summary>For scheduled checks: exits non-zero when any case's chain is broken.</summary>
[Description("audit verify: checks the hash chain and signatures of every case stream")]
public class AuditCommand : JasperFxAsyncCommand<AuditInput>
{
    public override async Task<bool> Execute(AuditInput input)
    {
        if (input.Action != "verify")
        {
            await Console.Error.WriteLineAsync("usage: audit verify");
            return false;
        }

        using var host = input.BuildHost();
        var store = host.Services.GetRequiredService<IDocumentStore>();
        var integrity = host.Services.GetRequiredService<CaseIntegrity>();

        var streams = await StoredEvents.AllStreamIdsAsync(store, CancellationToken.None);
        var broken = 0;
        foreach (var caseId in streams)
        {
            var report = (await integrity.VerifyAsync(caseId, CancellationToken.None))!;
            if (report.Valid) continue;

            broken++;
            Console.WriteLine($"INVALID case {caseId} at version {report.FirstInvalidVersion}: {report.Reason}");
        }

        Console.WriteLine($"{streams.Count} cases checked, {broken} invalid");
        return broken == 0;
    }
}
