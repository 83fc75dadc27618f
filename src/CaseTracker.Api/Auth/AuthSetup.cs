using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;

namespace CaseTracker.Api.Auth;

public static class AuthSetup
{
    public static IServiceCollection AddCaseTrackerAuth(this IServiceCollection services)
    {
        // Read when first needed, so that hosts configured late (tests, the seed verb) are honoured.
        services.AddSingleton(sp => TokenSettings.From(sp.GetRequiredService<IConfiguration>(), sp.GetRequiredService<IHostEnvironment>()));
        services.AddSingleton<TokenIssuer>();

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IServiceProvider, IConfiguration>((options, services, configuration) =>
            {
                // Keep the claim names of the token ("sub", "role") instead of the legacy SOAP URIs.
                options.MapInboundClaims = false;
                options.Events = TokenClaims.Events();
                if (configuration["Auth:Authority"] is { Length: > 0 } authority)
                {
                    // An OpenID Connect provider (Keycloak, Entra ID...) issues the tokens instead of
                    // the local key: its signing keys come from its discovery document.
                    options.Authority = authority;
                    options.Audience = configuration["Auth:Audience"] ?? TokenSettings.Audience;
                    options.RequireHttpsMetadata = !authority.StartsWith("http://localhost", StringComparison.OrdinalIgnoreCase);
                    options.TokenValidationParameters.NameClaimType = ActorClaims.User;
                    options.TokenValidationParameters.RoleClaimType = configuration["Auth:RoleClaim"] ?? ActorClaims.Role;
                    return;
                }

                options.TokenValidationParameters = services.GetRequiredService<TokenSettings>().ValidationParameters;
            });

        services.AddAuthorization(options =>
        {
            foreach (var (policy, roles) in Policies.RolesFor)
            {
                options.AddPolicy(policy, p => p.RequireAuthenticatedUser().RequireRole(roles));
            }

            // An endpoint that forgets to name a policy still needs a signed-in user.
            options.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build();
        });

        return services;
    }
}
