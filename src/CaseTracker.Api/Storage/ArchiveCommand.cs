using JasperFx.CommandLine;

namespace CaseTracker.Api.Storage;

public class ArchiveInput : NetCoreInput
{
    [Description("Archive streams whose closing fact was recorded at least this many days ago (default: Archive:ClosedForDays, else 365)")]
    [FlagAlias("closed-for-days")]
    public int? ClosedForDaysFlag { get; set; }

    [Description("Streams archived per transaction")]
    [FlagAlias("batch")]
    public int BatchFlag { get; set; } = ClosedStreamArchive.DefaultBatch;
}

/// <summary>Run by an operator's scheduler (docs/archiving.md); a second run finds nothing more to do.</summary>
[Description("archive: moves the streams of cases closed and exhibits disposed of long ago to the archived partition")]
public class ArchiveCommand : JasperFxAsyncCommand<ArchiveInput>
{
    public override async Task<bool> Execute(ArchiveInput input)
    {
        using var host = input.BuildHost();
        var archive = host.Services.GetRequiredService<ClosedStreamArchive>();
        var days = input.ClosedForDaysFlag ?? archive.ClosedForDays;
        if (days < 0)
        {
            await Console.Error.WriteLineAsync("archive: --closed-for-days must be 0 or more");
            return false;
        }

        ArchiveRun run;
        try
        {
            run = await archive.RunAsync(days, input.BatchFlag, CancellationToken.None);
        }
        catch (InvalidOperationException e)
        {
            await Console.Error.WriteLineAsync($"archive: {e.Message}");
            return false;
        }

        foreach (var (streamId, reason) in run.Failed) Console.WriteLine($"NOT ARCHIVED {streamId}: {reason}");
        Console.WriteLine($"{run.Cases} cases and {run.Exhibits} exhibits closed before {run.ClosedBefore:u} archived");
        return run.Failed.Count == 0;
    }
}
