using System.Text.Json.Nodes;
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
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public async Task a_signed_token_that_names_no_user_is_401_saying_so(string? user)
    {
        var claims = new Dictionary<string, object> { ["role"] = Roles.Officer, ["agency"] = "Test Agency" };
        if (user is not null) claims["sub"] = user;
        var token = Signed(claims);

        foreach (var (method, url) in new[] { ("GET", "/api/cases"), ("POST", "/api/cases") })
        {
            var result = await Host.Scenario(x =>
            {
                if (method == "POST") x.Post.Json(Commands.OpenCase(NewReference())).ToUrl(url);
                else x.Get.Url(url);
                x.WithBearerToken(token);
                x.StatusCodeShouldBe(401);
                x.ContentTypeShouldBe("application/problem+json");
            });
            var problem = JsonNode.Parse(result.ReadAsText())!.AsObject();
            problem["detail"]!.GetValue<string>().ShouldBe("The bearer token names no user (sub).");
            result.Context.Response.Headers.WWWAuthenticate.ToString().ShouldContain("invalid_token");
        }
    }

    public static TheoryData<object> RoleClaimsThatAreNotOneRole => new()
    {
        new[] { Roles.Analyst, Roles.Admin },
        new[] { Roles.Officer, Roles.Officer },
        Array.Empty<string>(),
        "superuser",
        "Admin",
    };

    [Theory]
    [MemberData(nameof(RoleClaimsThatAreNotOneRole))]
    public async Task a_role_claim_that_is_not_exactly_one_known_role_is_401(object role)
    {
        var token = Signed(new Dictionary<string, object> { ["sub"] = "mallory", ["role"] = role });

        foreach (var url in new[] { "/api/cases", "/api/audit/reads" })
        {
            await Host.Scenario(x =>
            {
                x.Get.Url(url);
                x.WithBearerToken(token);
                x.StatusCodeShouldBe(401);
                x.ContentTypeShouldBe("application/problem+json");
            });
        }
    }

    [Fact]
    public async Task a_token_naming_two_agencies_is_401()
    {
        var token = Signed(new Dictionary<string, object> { ["sub"] = "mallory", ["role"] = Roles.Analyst, ["agency"] = new[] { "DEA", "Xingtai PSB" } });

        await Host.Scenario(x =>
        {
            x.Get.Url("/api/cases");
            x.WithBearerToken(token);
            x.StatusCodeShouldBe(401);
        });
    }

    private static string Signed(Dictionary<string, object> claims)
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = TokenSettings.Issuer,
            Audience = TokenSettings.Audience,
            Claims = claims,
            NotBefore = now,
            IssuedAt = now,
            Expires = now.AddHours(1),
            SigningCredentials = new SigningCredentials(
                new SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes(AppFixture.SigningKey)), SecurityAlgorithms.HmacSha256),
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
