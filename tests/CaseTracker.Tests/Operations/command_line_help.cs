using CaseTracker.Tests.Support;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Operations;

public class command_line_help
{
    /// <summary>
    /// JasperFx renders each verb's description as Spectre markup, where a bracket opens a style: a
    /// usage line such as <c>[--checkpoint FILE]</c> written plainly made <c>help</c> throw.
    /// </summary>
    [Fact]
    public async Task help_lists_the_verbs_with_their_usage()
    {
        // The application is built before the verb runs, and its store wants settings, never used here:
        // Development's fixed defaults serve.
        var (exitCode, output, errors) = await ApiProcess.Run(new Dictionary<string, string?> { ["ASPNETCORE_ENVIRONMENT"] = "Development" }, "help");

        exitCode.ShouldBe(0, errors);
        // The table is JasperFx's chatter, which CaseTracker sends to stderr (stdout is for results).
        var listing = output + errors;
        foreach (var verb in (string[])["archive", "audit", "db-apply", "privacy", "projections", "seed", "token"]) listing.ShouldContain($"\n  {verb} ");
        listing.ShouldContain("audit verify [--checkpoint FILE [--key FILE]] | audit verify-export FILE [--key FILE]");
    }
}
