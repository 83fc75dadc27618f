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
            .Configure<TokenSettings>((options, settings) =>
            {
                // Keep the claim names of the token ("sub", "role") instead of the legacy SOAP URIs.
                options.MapInboundClaims = false;
                options.TokenValidationParameters = settings.ValidationParameters;
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
