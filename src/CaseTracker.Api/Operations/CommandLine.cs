using Spectre.Console;

namespace CaseTracker.Api.Operations;

public static class CommandLine
{
    /// <summary>
    /// JasperFx reports its command discovery on the console; send that chatter to stderr so that a
    /// verb's result (the token of <c>token</c>) is all a script reads from stdout.
    /// </summary>
    public static void KeepStdoutForResults() =>
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    /// <summary>
    /// CONTRACT §1 spells the rebuild <c>projections --rebuild</c>; Marten's verb takes the action as
    /// an argument (<c>projections rebuild</c>). Both are accepted.
    /// </summary>
    public static string[] Normalise(string[] args) =>
        args is ["projections", ..] && args.Contains("--rebuild")
            ? ["projections", "rebuild", .. args.Skip(1).Where(x => x != "--rebuild")]
            : args;
}
