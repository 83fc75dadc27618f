using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace CaseTracker.Api.Auth;

/// <summary>How CaseTracker signs and checks its bearer tokens (configuration section <c>Auth</c>).</summary>
public sealed class TokenSettings
{
    public const string Issuer = "casetracker";
    public const string Audience = "casetracker-api";

    /// <summary>Only for the Development environment, so a newcomer can run the product with no setup.</summary>
    public const string DevelopmentKey = "casetracker-development-signing-key-not-for-production";

    public SymmetricSecurityKey SigningKey { get; }

    private TokenSettings(string key) => SigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key));

    public static TokenSettings From(IConfiguration configuration, IHostEnvironment environment)
    {
        var key = configuration["Auth:SigningKey"];
        if (string.IsNullOrWhiteSpace(key) && environment.IsDevelopment()) key = DevelopmentKey;
        if (string.IsNullOrWhiteSpace(key))
        {
            throw new InvalidOperationException(
                "Auth:SigningKey is not set: set it (env Auth__SigningKey) to a secret of at least 32 bytes, or run in the Development environment (ASPNETCORE_ENVIRONMENT=Development, as ops/run and ops/ct do), which signs with its fixed development key.");
        }

        if (Encoding.UTF8.GetByteCount(key) < 32)
        {
            throw new InvalidOperationException("Auth:SigningKey must be at least 32 bytes.");
        }

        return new TokenSettings(key);
    }

    public TokenValidationParameters ValidationParameters => new()
    {
        ValidIssuer = Issuer,
        ValidAudience = Audience,
        IssuerSigningKey = SigningKey,
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        ValidateIssuer = true,
        ValidateAudience = true,
        ValidateLifetime = true,
        ValidateIssuerSigningKey = true,
        RequireExpirationTime = true,
        RequireSignedTokens = true,
        ClockSkew = TimeSpan.FromSeconds(30),
        NameClaimType = ActorClaims.User,
        RoleClaimType = ActorClaims.Role,
    };
}

public static class ActorClaims
{
    public const string User = "sub";
    public const string Role = "role";
    public const string Agency = "agency";
}
