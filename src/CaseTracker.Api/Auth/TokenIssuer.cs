using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CaseTracker.Api.Auth;

public sealed class TokenIssuer(TokenSettings settings, TimeProvider clock)
{
    public string Issue(string user, string role, string? agency, TimeSpan lifetime)
    {
        // The API refuses a token that names no user, so one is never printed.
        ArgumentException.ThrowIfNullOrWhiteSpace(user);
        if (!Roles.All.Contains(role))
        {
            throw new ArgumentException($"Unknown role '{role}'; use one of {string.Join(", ", Roles.All)}.", nameof(role));
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var claims = new List<Claim> { new(ActorClaims.User, user), new(ActorClaims.Role, role) };
        if (!string.IsNullOrWhiteSpace(agency)) claims.Add(new Claim(ActorClaims.Agency, agency));

        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = TokenSettings.Issuer,
            Audience = TokenSettings.Audience,
            Subject = new ClaimsIdentity(claims),
            NotBefore = now,
            IssuedAt = now,
            Expires = now.Add(lifetime),
            SigningCredentials = new SigningCredentials(settings.SigningKey, SecurityAlgorithms.HmacSha256),
        });
    }
}
