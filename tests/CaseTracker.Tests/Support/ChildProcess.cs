using System.Diagnostics;

namespace CaseTracker.Tests.Support;

/// <summary>Runs a process a test depends on, never longer than a deadline, and never leaves it behind.</summary>
public static class ChildProcess
{
    /// <param name="afterKill">
    /// given the process id when it had to be killed, to clean up what it started that is no longer its
    /// descendant (a daemon)
    /// </param>
    public static async Task<(int ExitCode, string Output, string Errors)> Run(ProcessStartInfo start, TimeSpan deadline, Action<int>? afterKill = null)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(deadline);
        }
        catch (TimeoutException)
        {
            Kill(process);
            afterKill?.Invoke(process.Id);
            throw new TimeoutException(
                $"{start.FileName} {string.Join(' ', start.ArgumentList)} was still running after {deadline} and was killed.\n" +
                $"{await Drain(output)}\n{await Drain(errors)}");
        }
        finally
        {
            Kill(process);
        }

        return (process.ExitCode, await Drain(output), await Drain(errors));
    }

    /// <summary>The process and everything it started that is still its descendant.</summary>
    public static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.WaitForExit(TimeSpan.FromSeconds(30));
        }
        catch (InvalidOperationException)
        {
        }
    }

    /// <summary>
    /// A grandchild that outlived its parent may still hold the pipe open; what was read by then is
    /// enough for a failure message, and waiting for the rest could wait forever.
    /// </summary>
    private static async Task<string> Drain(Task<string> stream)
    {
        try
        {
            return await stream.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            return "(output still open after the process exited)";
        }
    }
}
