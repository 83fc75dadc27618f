using JasperFx.CommandLine;

namespace CaseTracker.Api.Auth;

public class TokenInput : NetCoreInput
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

[Description("Prints a signed bearer token for a user and role, and nothing else")]
public class TokenCommand : JasperFxCommand<TokenInput>
{
    public override bool Execute(TokenInput input)
    {
        if (string.IsNullOrWhiteSpace(input.UserFlag) || !Roles.All.Contains(input.RoleFlag) || input.HoursFlag is < 1 or > 24 * 30)
        {
            Console.Error.WriteLine($"usage: token --role {string.Join('|', Roles.All)} --user NAME [--agency AGENCY] [--hours 1..720]");
            return false;
        }

        using var host = input.BuildHost();
        var issuer = host.Services.GetRequiredService<TokenIssuer>();
        Console.WriteLine(issuer.Issue(input.UserFlag, input.RoleFlag, input.AgencyFlag, TimeSpan.FromHours(input.HoursFlag)));
        return true;
    }
}
