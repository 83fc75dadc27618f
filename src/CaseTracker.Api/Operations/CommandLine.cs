using System.Text;
using System.Text.RegularExpressions;
using Spectre.Console;

namespace CaseTracker.Api.Operations;

public static partial class CommandLine
{
    /// <summary>
    /// JasperFx reports its command discovery on the console; send that chatter to stderr so that a
    /// verb's result (the token of <c>token</c>) is all a script reads from stdout. Both streams pass
    /// through <see cref="Chatter"/>, and the console is wide enough that each message is one line.
    /// </summary>
    public static void KeepStdoutForResults()
    {
        // Spectre cannot tell that a wrapped stream is redirected, so it is told.
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(new Chatter(Console.Error)),
            Ansi = Console.IsErrorRedirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = Console.IsErrorRedirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
        });
        console.Profile.Width = 4096;
        AnsiConsole.Console = console;
        Console.SetOut(new Chatter(Console.Out));
    }

    /// <summary>Anything but serving the API: JasperFx runs the server when no verb, or <c>run</c>, is named.</summary>
    public static bool IsVerb(string[] args) => args is [var first, ..] && !first.StartsWith('-') && first != "run";

    /// <summary>
    /// The README spells the rebuild <c>projections --rebuild</c>; Marten's verb takes the action as
    /// an argument (<c>projections rebuild</c>). Both are accepted.
    /// </summary>
    public static string[] Normalise(string[] args) =>
        args is ["projections", ..] && args.Contains("--rebuild")
            ? ["projections", "rebuild", .. args.Skip(1).Where(x => x != "--rebuild")]
            : args;

    /// <summary>
    /// What JasperFx and Marten print on a normal run that reads like a failure or is noise to
    /// whoever runs a verb: the assemblies searched for commands, a warning that services cannot be
    /// overridden once the host is built (CaseTracker builds it before running the verb, on purpose),
    /// "Press CTRL + C to quit" in a rebuild that ends by itself, "… is empty, aborting" for a store
    /// with no events yet, and Spectre markup printed unrendered. Everything else passes unchanged.
    /// </summary>
    public static string? Reword(string line) => Ansi().Replace(line, "") switch
    {
        var plain when SearchingForCommands().IsMatch(plain) => null,
        var plain when plain.StartsWith("Cannot override ", StringComparison.Ordinal) && plain.EndsWith("when the IHost is already constructed", StringComparison.Ordinal) => null,
        "Press CTRL + C to quit" => null,
        var plain when EmptyEventStore().Match(plain) is { Success: true } empty => $"No events stored yet in {empty.Groups[1].Value}: nothing to rebuild.",
        _ => Markup().Replace(line, ""),
    };

    [GeneratedRegex(@"\x1b\[[0-9;]*m")]
    private static partial Regex Ansi();

    [GeneratedRegex(@"^Searching '.*' for commands$")]
    private static partial Regex SearchingForCommands();

    [GeneratedRegex(@"^The event storage for (.*) is empty, aborting\.$")]
    private static partial Regex EmptyEventStore();

    [GeneratedRegex(@"\[(/|purple|bold|gray|grey|green|red|yellow|blue)\]")]
    private static partial Regex Markup();

    /// <summary>Writes whole lines through <see cref="Reword"/>.</summary>
    private sealed class Chatter : TextWriter
    {
        private readonly TextWriter _inner;
        private readonly StringBuilder _line = new();

        public Chatter(TextWriter inner)
        {
            _inner = inner;
            AppDomain.CurrentDomain.ProcessExit += (_, _) => Flush();
        }

        public override Encoding Encoding => _inner.Encoding;

        public override void Write(char value)
        {
            lock (_line)
            {
                if (value != '\n')
                {
                    _line.Append(value);
                    return;
                }

                // Spectre pads what it renders (an error's stack trace) to the console's width, 4,096 here.
                var line = _line.ToString().TrimEnd();
                _line.Clear();
                if (Reword(line) is { } shown) _inner.WriteLine(shown);
            }

            _inner.Flush();
        }

        public override void Write(string? value)
        {
            foreach (var c in value ?? "") Write(c);
        }

        public override void Flush()
        {
            lock (_line)
            {
                if (_line.Length > 0 && Reword(_line.ToString()) is { } shown) _inner.Write(shown);
                _line.Clear();
            }

            _inner.Flush();
        }
    }
}
