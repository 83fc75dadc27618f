using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Mvc;

namespace CaseTracker.Api.Auth;

/// <summary>
/// What a signed token must also say before CaseTracker acts on it: exactly one user, for the read
/// log, the events' actor and the idempotency keys; exactly one known role, since an array of roles
/// would grant each of them; at most one agency, which need-to-know compares.
/// </summary>
public static class TokenClaims
{
    public static string? Flaw(ClaimsIdentity identity)
    {
        var users = identity.FindAll(ActorClaims.User).Select(x => x.Value).ToList();
        if (users.Count == 0 || string.IsNullOrWhiteSpace(users[0])) return "The bearer token names no user (sub).";
        if (users.Count > 1) return "The bearer token names more than one user (sub).";

        var roles = identity.FindAll(identity.RoleClaimType).Select(x => x.Value).ToList();
        if (roles.Count != 1) return $"The bearer token must carry exactly one role ({string.Join(", ", Roles.All)}).";
        if (!Roles.All.Contains(roles[0])) return $"The bearer token's role is not one of {string.Join(", ", Roles.All)}.";

        if (identity.FindAll(ActorClaims.Agency).Skip(1).Any()) return "The bearer token names more than one agency.";
        return null;
    }

    /// <summary>For both the local key and an OpenID Connect authority: checked once the signature holds.</summary>
    public static JwtBearerEvents Events() => new()
    {
        OnTokenValidated = context =>
        {
            if (context.Principal?.Identity is not ClaimsIdentity identity)
            {
                context.Fail(new UnacceptableTokenException("The bearer token carries no identity."));
            }
            else if (Flaw(identity) is { } flaw)
            {
                context.Fail(new UnacceptableTokenException(flaw));
            }

            return Task.CompletedTask;
        },
        OnAuthenticationFailed = context =>
        {
            context.HttpContext.Features.Set(new Http.TokenFailureFeature(context.Exception));
            return Task.CompletedTask;
        },
        OnChallenge = async context =>
        {
            if (context.AuthenticateFailure is not UnacceptableTokenException refused) return;

            // The default challenge answers an empty 401 that says nothing of what is wrong; the
            // issuer of a token without a user or with a list of roles needs to be told.
            context.HandleResponse();
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = $"Bearer error=\"invalid_token\", error_description=\"{refused.Message}\"";
            await context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>().TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = context.HttpContext,
                ProblemDetails = new ProblemDetails { Status = StatusCodes.Status401Unauthorized, Detail = refused.Message },
            });
        },
    };
}

public sealed class UnacceptableTokenException(string message) : Exception(message);
