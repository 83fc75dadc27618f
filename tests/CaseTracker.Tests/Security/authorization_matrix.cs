using Alba;
using CaseTracker.Api.Auth;
using CaseTracker.Tests.Support;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Security;

/// <summary>
/// Every route the application maps, found from its endpoint data sources, against the roles table of docs/security.md.
/// A new /api endpoint without a policy, or with the wrong one, fails here.
/// </summary>
public class authorization_matrix(AppFixture fixture) : IntegrationContext(fixture)
{
    private static readonly string[] Everyone = [Roles.Officer, Roles.Auditor, Roles.Analyst, Roles.Admin];

    /// <summary>
    /// Officers post and end their subscriptions; admins post court orders about people; officers
    /// and admins merge people and reverse merges; auditors
    /// and admins read history, exports and audit; admins operate (/api/admin); the case file is for
    /// everyone but analysts, who read projections only; every role reads projections and its own
    /// notifications.
    /// </summary>
    private static string[] Allowed(string method, string pattern) => method switch
    {
        _ when pattern.StartsWith("/api/admin", StringComparison.Ordinal) => [Roles.Admin],
        "POST" when pattern.StartsWith("/api/defendants/", StringComparison.Ordinal) && pattern.Contains("/merges", StringComparison.Ordinal) => [Roles.Officer, Roles.Admin],
        "POST" when pattern.StartsWith("/api/defendants/", StringComparison.Ordinal) => [Roles.Admin],
        "POST" or "DELETE" => [Roles.Officer],
        "GET" when pattern.EndsWith("/events", StringComparison.Ordinal) || pattern.EndsWith("/integrity", StringComparison.Ordinal)
                   || pattern.EndsWith("/export", StringComparison.Ordinal)
                   || pattern.StartsWith("/api/audit", StringComparison.Ordinal) => [Roles.Auditor, Roles.Admin],
        "GET" when pattern.EndsWith("/case-file.pdf", StringComparison.Ordinal) => [Roles.Officer, Roles.Auditor, Roles.Admin],
        "GET" => Everyone,
        _ => []
    };

    private IReadOnlyList<(string Method, string Pattern, Endpoint Endpoint)> ApiRoutes() =>
        [.. Host.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(x => x.RoutePattern.RawText!.StartsWith("/api", StringComparison.Ordinal))
            .SelectMany(x => (x.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (m, x.RoutePattern.RawText!, (Endpoint)x)))];

    [Fact]
    public void every_api_route_names_the_policy_the_contract_gives_it()
    {
        var routes = ApiRoutes();
        routes.Count.ShouldBeGreaterThan(20);

        foreach (var (method, pattern, endpoint) in routes)
        {
            var policies = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(x => x.Policy).ToList();
            policies.ShouldHaveSingleItem($"{method} {pattern} must name exactly one policy");
            Policies.RolesFor[policies[0]!].ShouldBe(Allowed(method, pattern), ignoreOrder: true, $"{method} {pattern}");
            endpoint.Metadata.GetMetadata<IAllowAnonymous>().ShouldBeNull($"{method} {pattern} must not allow anonymous callers");
        }
    }

    [Fact]
    public async Task every_role_on_every_route_is_let_in_or_refused_as_the_contract_says()
    {
        foreach (var (method, pattern, _) in ApiRoutes())
        {
            var url = Concrete(pattern);
            foreach (var role in Everyone)
            {
                var status = await Call(method, url, Fixture.TokenFor(role));
                if (Allowed(method, pattern).Contains(role)) status.ShouldNotBeOneOf([401, 403], $"{role} on {method} {pattern}");
                else status.ShouldBe(403, $"{role} on {method} {pattern}");
            }

            (await Call(method, url, token: null)).ShouldBe(401, $"anonymous on {method} {pattern}");
        }
    }

    private static string Concrete(string pattern) =>
        System.Text.RegularExpressions.Regex.Replace(pattern, @"\{[^}]+\}", Guid.NewGuid().ToString());

    private async Task<int> Call(string method, string url, string? token)
    {
        var result = await Host.Scenario(x =>
        {
            if (method == "POST") x.Post.Json(new { }).ToUrl(url);
            else if (method == "DELETE") x.Delete.Url(url);
            else x.Get.Url(url);
            if (token is not null) x.WithBearerToken(token);
            x.IgnoreStatusCode();
        });
        return result.Context.Response.StatusCode;
    }
}
