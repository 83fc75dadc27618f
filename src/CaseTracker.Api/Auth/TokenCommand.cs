using JasperFx.CommandLine;

namespace CaseTracker.Api.Auth;

public class TokenInput
{
    [Description("officer, auditor, analyst or admin")]
    public string RoleFlag { get; set; } = "";

    [Description("The user the token speaks for (its sub claim)")]
    public string UserFlag { get; set; } = "";

    [Description("The user's agency, recorded on every event they append")]
    public string? AgencyFlag { get; set; }

    [Description("Lifetime in hours (default 8)")]
    public int HoursFlag { get; set; } = 8;
}

/// <summary>
/// Needs only the signing key, so it reads the application's configuration without building the
/// host: no Marten, no Wolverine code generation, no database. Program runs it before the web
/// application is built, which keeps a token under a second.
/// </summary>
[Description("Prints a signed bearer token for a user and role, and nothing else")]
public class TokenCommand : JasperFxCommand<TokenInput>
{
    public const string Verb = "token";

    public static bool IsRequested(string[] args) => args is [Verb, ..];

    public static int Run(string[] args) =>
        CommandExecutor.For(factory => factory.RegisterCommand<TokenCommand>()).Execute(args);

    public override bool Execute(TokenInput input)
    {
        if (string.IsNullOrWhiteSpace(input.UserFlag) || !Roles.All.Contains(input.RoleFlag) || input.HoursFlag is < 1 or > 24 * 30)
        {
            Console.Error.WriteLine($"usage: token --role {string.Join('|', Roles.All)} --user NAME [--agency AGENCY] [--hours 1..720]");
            return false;
        }

        // The same configuration sources and environment as the application (environment variables,
        // appsettings, user secrets in Development), without its services.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions());
        TokenSettings settings;
        try
        {
            settings = TokenSettings.From(builder.Configuration, builder.Environment);
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine($"token: {e.Message}");
            return false;
        }

        var issuer = new TokenIssuer(settings, TimeProvider.System);
        Console.WriteLine(issuer.Issue(input.UserFlag, input.RoleFlag, input.AgencyFlag, TimeSpan.FromHours(input.HoursFlag)));
        return true;
    }
}
