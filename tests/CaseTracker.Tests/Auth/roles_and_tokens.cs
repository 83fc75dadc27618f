using Alba;
using CaseTracker.Api.Auth;
using CaseTracker.Tests.Support;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Auth;

public class roles_and_tokens(AppFixture fixture) : IntegrationContext(fixture)
{
    [Fact]
    public async Task no_token_is_401_problem()
    {
        await Host.Scenario(x =>
        {
            x.Get.Url("/api/cases");
            x.StatusCodeShouldBe(401);
            x.ContentTypeShouldBe("application/problem+json");
        });
    }

    [Theory]
    [InlineData("wrong-key")]
    [InlineData("expired")]
    [InlineData("wrong-audience")]
    [InlineData("unsigned")]
    [InlineData("not-yet-valid")]
    public async Task a_bad_token_is_401(string flaw)
    {
        var key = new SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes(flaw == "wrong-key" ? new string('k', 48) : AppFixture.SigningKey));
        var now = DateTime.UtcNow;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = TokenSettings.Issuer,
            Audience = flaw == "wrong-audience" ? "someone-else" : TokenSettings.Audience,
            Claims = new Dictionary<string, object> { ["sub"] = "mallory", ["role"] = Roles.Admin },
            NotBefore = flaw switch { "expired" => now.AddHours(-3), "not-yet-valid" => now.AddHours(1), _ => now },
            Expires = flaw switch { "expired" => now.AddHours(-2), "not-yet-valid" => now.AddHours(2), _ => now.AddHours(1) },
            IssuedAt = flaw == "expired" ? now.AddHours(-3) : now,
            SigningCredentials = flaw == "unsigned" ? null : new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
        };
        var token = new JsonWebTokenHandler().CreateToken(descriptor);

        await Host.Scenario(x =>
        {
            x.Get.Url("/api/cases");
            x.WithBearerToken(token);
            x.StatusCodeShouldBe(401);
        });
    }

    [Theory]
    [InlineData(Roles.Auditor)]
    [InlineData(Roles.Analyst)]
    [InlineData(Roles.Admin)]
    public async Task only_officers_post_commands(string role)
    {
        var caseId = await OpenCase();

        await Refused($"/api/cases/{caseId}/tips", Commands.Tip(), 403, caseId, role);
        await Refused("/api/cases", Commands.OpenCase(NewReference()), 403, null, role);
    }

    [Theory]
    [InlineData(Roles.Officer, 200)]
    [InlineData(Roles.Analyst, 200)]
    [InlineData(Roles.Auditor, 200)]
    [InlineData(Roles.Admin, 200)]
    public async Task every_role_reads_cases(string role, int status)
    {
        var caseId = await OpenCase();

        await Host.Scenario(x =>
        {
            x.Get.Url($"/api/cases/{caseId}");
            x.WithBearerToken(Fixture.TokenFor(role));
            x.StatusCodeShouldBe(status);
        });
    }

    [Theory]
    [InlineData(Roles.Officer, 403)]
    [InlineData(Roles.Analyst, 403)]
    [InlineData(Roles.Auditor, 200)]
    [InlineData(Roles.Admin, 200)]
    public async Task time_travel_is_for_auditors_and_admins(string role, int status)
    {
        var caseId = await OpenCase();

        await Host.Scenario(x =>
        {
            x.Get.Url($"/api/cases/{caseId}?version=1");
            x.WithBearerToken(Fixture.TokenFor(role));
            x.StatusCodeShouldBe(status);
        });
    }
}
