using System.Security.Claims;
using System.Text.Json;
using System.Text.RegularExpressions;
using CaseTracker.Api.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.IdentityModel.Tokens;

namespace CaseTracker.Api.Http;

/// <summary>
/// Every problem document passes through here on its way out, whoever wrote it (ASP.NET Core's
/// status code pages for an empty 401, 403, 404 or 415, the JWT handler, Wolverine's JSON reading,
/// CaseTracker's own endpoints), so every one carries a <c>type</c> from the same family and a
/// <c>detail</c> that says what to do, and none names a .NET type.
/// </summary>
public static partial class ProblemShaping
{
    /// <summary>Wolverine's title for a body System.Text.Json could not read.</summary>
    private const string WolverineJsonTitle = "Invalid JSON format";

    public static void Shape(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        var http = context.HttpContext;
        var status = problem.Status ?? http.Response.StatusCode;

        if (problem.Title == WolverineJsonTitle) UnreadableBody(problem, http.Features.Get<UnreadableBodyFeature>()?.Exception);
        if (string.IsNullOrWhiteSpace(problem.Detail)) problem.Detail = DetailFor(status, http);
        if (problem.Type is null || problem.Type.StartsWith("https://httpstatuses.com/", StringComparison.Ordinal)) problem.Type = TypeFor(status);
    }

    public static string TypeFor(int status) => status switch
    {
        400 => "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        401 => "https://tools.ietf.org/html/rfc9110#section-15.5.2",
        403 => "https://tools.ietf.org/html/rfc9110#section-15.5.4",
        404 => "https://tools.ietf.org/html/rfc9110#section-15.5.5",
        405 => "https://tools.ietf.org/html/rfc9110#section-15.5.6",
        406 => "https://tools.ietf.org/html/rfc9110#section-15.5.7",
        409 => "https://tools.ietf.org/html/rfc9110#section-15.5.10",
        412 => "https://tools.ietf.org/html/rfc9110#section-15.5.13",
        413 => "https://tools.ietf.org/html/rfc9110#section-15.5.14",
        414 => "https://tools.ietf.org/html/rfc9110#section-15.5.15",
        415 => "https://tools.ietf.org/html/rfc9110#section-15.5.16",
        422 => "https://tools.ietf.org/html/rfc9110#section-15.5.21",
        429 => "https://tools.ietf.org/html/rfc6585#section-4",
        503 => "https://tools.ietf.org/html/rfc9110#section-15.6.4",
        >= 500 => "https://tools.ietf.org/html/rfc9110#section-15.6.1",
        _ => "https://tools.ietf.org/html/rfc9110#section-15.5",
    };

    private static string DetailFor(int status, HttpContext http) => status switch
    {
        401 => Unauthenticated(http),
        403 => Forbidden(http),
        404 when http.GetEndpoint() is null => $"No route answers {http.Request.Method} {http.Request.Path}; the routes are listed at /docs.",
        404 => "Nothing was found at this address; check the id in the route.",
        405 => $"This route does not take {http.Request.Method}; the methods it takes are listed at /docs.",
        406 => "This route answers JSON: send Accept: application/json, or no Accept header.",
        415 => $"This route takes a JSON body: send Content-Type: application/json{(string.IsNullOrEmpty(http.Request.ContentType) ? "" : $" instead of {http.Request.ContentType}")}.",
        _ => "See /docs for what this route expects.",
    };

    private static string Unauthenticated(HttpContext http)
    {
        const string Mint = "Get a token from your identity provider (in development: ops/ct token --role ROLE --user NAME).";
        if (!http.Request.Headers.Authorization.Any(x => !string.IsNullOrWhiteSpace(x)))
        {
            return $"This route needs a bearer token: send Authorization: Bearer <token>. {Mint}";
        }

        return http.Features.Get<TokenFailureFeature>()?.Exception switch
        {
            SecurityTokenExpiredException expired => $"The bearer token expired at {expired.Expires:yyyy-MM-ddTHH:mm:ssZ}. {Mint}",
            SecurityTokenNotYetValidException => $"The bearer token is not valid yet; check the issuer's clock. {Mint}",
            null when !http.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) =>
                $"The Authorization header must read 'Bearer <token>'. {Mint}",
            _ => $"The bearer token was refused: it is malformed, or not signed by this server's key for this audience. {Mint}",
        };
    }

    private static string Forbidden(HttpContext http)
    {
        var held = http.User.FindFirstValue(ActorClaims.Role) ?? "no role";
        var needed = (http.GetEndpoint()?.Metadata.GetOrderedMetadata<IAuthorizeData>() ?? [])
            .Select(x => x.Policy)
            .OfType<string>()
            .SelectMany(x => Policies.RolesFor.TryGetValue(x, out var roles) ? roles : [])
            .Distinct()
            .ToList();
        return needed.Count == 0
            ? $"Your token's role ({held}) may not use this route."
            : $"This route needs the role {string.Join(" or ", needed)}; your token carries {held}. Ask for a token with that role.";
    }

    /// <summary>
    /// System.Text.Json's messages name CLR types and say nothing of the fix; the JSON path it
    /// records names the field, so the answer says which field is wrong and what to send instead.
    /// </summary>
    private static void UnreadableBody(ProblemDetails problem, JsonException? exception)
    {
        var message = exception?.Message ?? problem.Detail ?? "";
        var field = exception?.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : null;
        var at = field is null ? "" : $"{field}: ";
        message = PathSuffix().Replace(message, "");

        if (UnmappedMember().Match(message) is { Success: true } unmapped)
        {
            problem.Title = "The request body has a field this route does not take";
            problem.Detail = $"'{unmapped.Groups[1].Value}' is not a field of this request; remove it (the fields are listed at /docs). Nothing was recorded.";
        }
        else if (message.Contains("with an offset", StringComparison.Ordinal))
        {
            problem.Title = "A time in the request body has no offset";
            problem.Detail = $"{at}{message} Nothing was recorded.";
        }
        else if (ConversionFailure().IsMatch(message))
        {
            problem.Title = "A value in the request body has the wrong type";
            problem.Detail = $"{at}the value is not of the type this field takes (the fields and their types are listed at /docs). Nothing was recorded.";
        }
        else if (ClrTypeName().IsMatch(message))
        {
            problem.Title = "The request body could not be read";
            problem.Detail = $"{at}the body does not match what this route takes (see /docs). Nothing was recorded.";
        }
        else if (exception?.InnerException is { } inner && inner.GetType().Name == "JsonReaderException")
        {
            problem.Title = "The request body is not well-formed JSON";
            problem.Detail = $"{message} Fix the JSON and send it again; nothing was recorded.";
        }
        else
        {
            problem.Title = "The request body is not valid";
            problem.Detail = $"{at}{message} Nothing was recorded.";
        }
    }

    [GeneratedRegex(@"\s*Path: .*$")]
    private static partial Regex PathSuffix();

    [GeneratedRegex(@"^The JSON property '(.*)' could not be mapped to any \.NET member")]
    private static partial Regex UnmappedMember();

    [GeneratedRegex(@"^The JSON value could not be converted to ")]
    private static partial Regex ConversionFailure();

    [GeneratedRegex(@"\b(System|CaseTracker|Microsoft|Wolverine|Marten)\.[A-Z]")]
    private static partial Regex ClrTypeName();
}

/// <summary>Why the bearer token was refused, kept for the 401's detail.</summary>
public sealed record TokenFailureFeature(Exception Exception);

/// <summary>The exception System.Text.Json raised reading the body, kept for the 400's detail.</summary>
public sealed record UnreadableBodyFeature(JsonException Exception);
