using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;
using Wolverine.Http;

namespace CaseTracker.Api.Operations;

/// <summary>
/// The OpenAPI description at /openapi/v1.json is the API reference: it is linted with Redocly's
/// recommended rules and a typed client is generated from it (tests/CaseTracker.Client), so it
/// says what the server does rather than what attributes claim.
/// </summary>
public static class ApiDocs
{
    /// <summary>Operations are grouped by the feature folder (namespace) their endpoint lives in.</summary>
    private static readonly Dictionary<string, string> Features = new(StringComparer.Ordinal)
    {
        ["Cases"] = "Open a case and record its facts, one command per fact; read the case as it stands.",
        ["Exhibits"] = "Evidence: exhibits logged from a case's seizures, each a stream of its own with its chain of custody, laboratory results and disposal; find one by its seal.",
        ["Defendants"] = "People across cases: search names and aliases, read one person's profile, find likely duplicates, merge two people into one and reverse a merge.",
        ["Privacy"] = "Court orders about a person (records staff): seal a record (hidden from officers and analysts), lift the seal, expunge it (destroyed for everyone).",
        ["Stats"] = "Dashboard totals across the cases the reader may see.",
        ["Notifications"] = "Follow a case or a person: subscriptions, notifications (also live, as server-sent events), signed webhooks and their dead letters.",
        ["Audit"] = "The history of each case and exhibit with its hash chain, integrity reports, signed checkpoints and the read log.",
        ["Exports"] = "What leaves CaseTracker for court: the case file as PDF, and the case's signed history that anyone can verify offline.",
        ["Operations"] = "Liveness and readiness for orchestrators; no token needed.",
    };

    public static IServiceCollection AddCaseTrackerApiDocs(this IServiceCollection services) =>
        services.AddOpenApi(options =>
        {
            options.AddSchemaTransformer(CommandSchemas.TypeConvertedValues);
            options.AddSchemaTransformer(Cases.CommandAccepted.Describe);
            options.AddOperationTransformer(ApiOperations.Describe);
            options.AddDocumentTransformer(Describe);
        });

    public static void MapCaseTrackerApiDocs(this WebApplication app)
    {
        app.MapOpenApi().AllowAnonymous();
        app.MapScalarApiReference("/docs").AllowAnonymous();
    }

    public static string Feature(Type endpoint)
    {
        var feature = endpoint.Namespace?.Split('.')[^1] ?? "";
        return Features.ContainsKey(feature)
            ? feature
            : throw new InvalidOperationException($"{endpoint.Name} is in no feature the description knows; add {feature} to ApiDocs.Features.");
    }

    private static Task Describe(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken ct)
    {
        document.Info = new OpenApiInfo
        {
            Title = "CaseTracker",
            Version = "v1",
            Description = "Event-sourced case tracking: each command appends one fact to a case, and reads fold them. " +
                          "Every /api route needs `Authorization: Bearer <token>`; errors are `application/problem+json`."
        };

        // Relative to nothing but the origin it was served from, without the trailing slash that
        // would double every path's leading one.
        foreach (var server in document.Servers ?? []) server.Url = server.Url?.TrimEnd('/') is { Length: > 0 } url ? url : "/";

        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[ApiOperations.Bearer] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "A token signed with the deployment's key (the `token` verb prints one) or issued by its OpenID Connect provider."
        };

        document.Tags = new HashSet<OpenApiTag>(Features.Select(x => new OpenApiTag { Name = x.Key, Description = x.Value }));
        Health(document, "/health/live", "Live", "The process is up", "Answers as soon as the process serves requests; it asks nothing of the database.");
        Health(document, "/health/ready", "Ready", "The database is reachable and the schema applied", "Take traffic only once this answers 200.");

        var chains = context.DescriptionGroups.SelectMany(x => x.Items)
            .Select(x => x.ActionDescriptor).OfType<WolverineActionDescriptor>().Select(x => x.Chain);
        CommandSchemas.Apply(document, chains);
        document.Components.Schemas?.Remove(ApiOperations.UntypedResult);
        return Task.CompletedTask;
    }

    /// <summary>The health checks are mapped outside Wolverine, so they are described here.</summary>
    private static void Health(OpenApiDocument document, string path, string id, string summary, string description)
    {
        var text = new Dictionary<string, OpenApiMediaType> { ["text/plain"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String } } };
        document.Paths[path] = new OpenApiPathItem
        {
            Operations = new Dictionary<HttpMethod, OpenApiOperation>
            {
                [HttpMethod.Get] = new()
                {
                    OperationId = id,
                    Summary = summary,
                    Description = description,
                    Tags = new HashSet<OpenApiTagReference> { new("Operations", document) },
                    Security = [],
                    Responses = new OpenApiResponses
                    {
                        ["200"] = new OpenApiResponse { Description = "Healthy", Content = text },
                        ["400"] = new OpenApiResponse
                        {
                            Description = ApiOperations.InvalidRequest,
                            Content = new Dictionary<string, OpenApiMediaType>
                            {
                                ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference(ApiOperations.ValidationProblemSchema, document) }
                            }
                        },
                        ["503"] = new OpenApiResponse { Description = "Unhealthy", Content = text },
                    }
                }
            }
        };
    }
}
