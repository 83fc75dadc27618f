using Spectre.Console;

namespace CaseTracker.Api.Operations;

public static class CliOutput
{
    /// <summary>
    /// JasperFx reports its command discovery on the console; send that chatter to stderr so that a
    /// verb's result (the token of <c>token</c>) is all a script reads from stdout.
    /// </summary>
    public static void KeepStdoutForResults() =>
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
}
