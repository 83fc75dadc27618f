using System.Reflection;
using System.Text.RegularExpressions;
using CaseTracker.Api.Cases;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Wolverine.Http;
using Wolverine.Marten;

namespace CaseTracker.Api.Operations;

/// <summary>
/// Describes each Wolverine endpoint from what the server does with it, so that no endpoint has
/// to repeat the same attributes: who may call it, what it answers on success, and every refusal
/// the middleware in front of it can give.
/// </summary>
public static partial class ApiOperations
{
    public const string Bearer = "bearer";
    public const string ProblemSchema = "ProblemDetails";
    public const string ValidationProblemSchema = "ValidationProblemDetails";
    public const string InvalidRequest = "The request is not valid (see errors); nothing was recorded.";

    public static async Task Describe(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        if (context.Description.ActionDescriptor is not WolverineActionDescriptor { Chain: var chain }) return;
        var document = context.Document ?? throw new InvalidOperationException("The operation belongs to no document.");
        var route = chain.RoutePattern?.RawText ?? "/" + context.Description.RelativePath;
        var protectedRoute = route.StartsWith("/api/", StringComparison.Ordinal);
        var hasBody = context.Description.HttpMethod == HttpMethods.Post
                      && chain.Method.Method.GetParameters().Any(x => x.ParameterType == chain.RequestType);
        var isCommand = hasBody && AnswersAccepted(chain.Method.Method.ReturnType);
        var hasPathParameters = chain.RoutePattern?.Parameters.Count > 0;
        var onPersonRecord = chain.Method.Method.GetParameters().Any(x => x.IsDefined(typeof(Privacy.WritePersonAttribute), inherit: false));
        // The stream a command's If-Match is about: the exhibit on exhibit routes, the person's record for a court order, else the case.
        var stream = chain.RoutePattern?.Parameters.Any(x => x.Name == "exhibitId") == true ? "exhibit" : onPersonRecord ? "person's record" : "case";
        var onExistingStream = isCommand && (onPersonRecord || chain.RoutePattern!.Parameters.Any(x => x.Name is "caseId" or "exhibitId"));

        var generatedId = operation.OperationId;
        operation.OperationId = OperationId(chain);
        operation.Tags = new HashSet<OpenApiTagReference> { new(ApiDocs.Feature(chain.Method.HandlerType), document) };
        operation.Summary = Plain(operation.Summary == generatedId ? null : operation.Summary)
            ?? throw new InvalidOperationException($"{route}: give {chain.Method.HandlerType.Name}.{chain.Method.Method.Name} an XML <summary>.");
        operation.Description = Plain(operation.Description == generatedId ? null : operation.Description);
        operation.Security = protectedRoute
            ? [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Bearer, document)] = [] }]
            : [];

        operation.Responses ??= [];
        // A lookup by query (a seal number) answers 404 without a path parameter; it says so itself.
        var declaresNotFound = operation.Responses.ContainsKey("404");
        foreach (var status in operation.Responses.Keys.Where(x => x[0] is '4' or '5').ToList()) operation.Responses.Remove(status);
        // An endpoint answering an untyped IResult gets a 200 it may never give (a 201 or a 204
        // instead); the answers it declares are the true ones.
        if (Untyped(chain.Method.Method.ReturnType) && !chain.Method.Method.GetCustomAttributes().OfType<Microsoft.AspNetCore.Mvc.ApiExplorer.IApiResponseMetadataProvider>().Any(x => x.StatusCode == 200))
        {
            operation.Responses.Remove("200");
        }

        if (isCommand)
        {
            await Answers(operation, context, chain, ct);
            Header(operation, "Idempotency-Key",
                "A key of the client's choosing. Sent again with the same body, it answers the first answer again and records nothing; with another body, 422.");
            if (SeedExamples.For(route) is { } example && operation.RequestBody?.Content?.TryGetValue("application/json", out var body) == true)
            {
                body.Example = example;
            }
        }

        if (onExistingStream)
        {
            Header(operation, "If-Match", onPersonRecord
                ? "The version of the person's record the order was decided against, as the last order's answer gave it (\"1\"). If the record has moved on: 412, and nothing is recorded."
                : $"The {stream} version the command was decided against, as the {stream}'s ETag (\"12\"). If the {stream} has moved on: 412, and nothing is recorded.");
        }

        if (operation.Responses.TryGetValue("304", out var found) && found is OpenApiResponse notModified)
        {
            Header(operation, "If-None-Match",
                "The ETag of the case as last read. If the case is still at that version and has no exhibits (whose hand-overs and results move their own streams, not the case's): 304, without a body.");
            notModified.Description = "The case is still at the version named by If-None-Match.";
            AddHeader(notModified, "ETag", "The case's version, quoted.");
            if (operation.Responses.TryGetValue("200", out var read) && read is OpenApiResponse current) AddHeader(current, "ETag", "The case's version, quoted: send it as If-Match or If-None-Match.");
        }

        if (!isCommand && route == "/api/exhibits/{exhibitId:guid}" && operation.Responses.TryGetValue("200", out var exhibitRead) && exhibitRead is OpenApiResponse exhibit)
        {
            AddHeader(exhibit, "ETag", "The exhibit's version, quoted: send it as If-Match on the exhibit's commands.");
        }

        foreach (var media in operation.Responses.Values.SelectMany(x => x.Content ?? new Dictionary<string, OpenApiMediaType>()))
        {
            if (!IsJson(media.Key) && media.Value.Schema is OpenApiSchema { Type: null }) media.Value.Schema = Bytes(media.Key);
        }

        // The query string is checked for text PostgreSQL cannot store before any route is chosen.
        await Problem(operation, context, 400, InvalidRequest, ValidationProblemSchema, ct);
        if (protectedRoute) await Refusals(operation, context, isCommand, hasBody, hasPathParameters || declaresNotFound, onExistingStream ? stream : null, ct);
        foreach (var refusal in chain.Method.Method.GetCustomAttributes<RefusesAttribute>())
        {
            await Problem(operation, context, refusal.Status, refusal.Description, ct: ct);
        }

        var ordered = operation.Responses.OrderBy(x => x.Key, StringComparer.Ordinal).ToList();
        operation.Responses.Clear();
        foreach (var (status, response) in ordered) operation.Responses[status] = response;
    }

    /// <summary>Every refusal the pipeline in front of the endpoint, or the endpoint itself, can answer.</summary>
    /// <param name="stream">the existing stream a command appends to ("case", "exhibit"), whose version If-Match names</param>
    private static async Task Refusals(
        OpenApiOperation operation, OpenApiOperationTransformerContext context, bool isCommand, bool hasBody, bool mayBeNotFound, string? stream, CancellationToken ct)
    {
        await Problem(operation, context, 401, "No valid bearer token was sent.", ct: ct);
        await Problem(operation, context, 403, "The token's role (or, for time travel and restrictions, the reader) may not do this.", ct: ct);
        if (mayBeNotFound)
        {
            await Problem(operation, context, 404, "No such case or exhibit, or one this reader may not see; or no such entry in it.", ct: ct);
        }

        if (isCommand)
        {
            await Problem(operation, context, 409,
                "The command conflicts with what is recorded (a closed case, an exhibit disposed of or held by someone else, already done, a reference or seal taken); nothing was recorded.", ct: ct);
            if (stream is not null) await Problem(operation, context, 412, $"If-Match named a version the {stream} has moved on from; nothing was recorded.", ct: ct);
            await Problem(operation, context, 422, "The Idempotency-Key was used before with another request; nothing was recorded.", ct: ct);
        }

        if (hasBody)
        {
            await Problem(operation, context, 413, "The body is over the size limit (Limits:MaxBodyBytes).", ct: ct);
            await Problem(operation, context, 415, "The body is not sent as application/json.", ct: ct);
        }

        AddHeader(await Problem(operation, context, 429, "This user's request budget for the minute is spent.", ct: ct), "Retry-After", "Seconds to wait before retrying.");
        AddHeader(await Problem(operation, context, 503, "PostgreSQL could not be reached; nothing was recorded.", ct: ct), "Retry-After", "Seconds to wait before retrying.");
    }

    /// <summary>The placeholder schema ASP.NET's description gives an untyped answer; no operation keeps it.</summary>
    public const string UntypedResult = nameof(IResult);

    private static bool Untyped(Type returned) =>
        returned == typeof(IResult) || (returned.IsGenericType && returned.GetGenericArguments().Any(Untyped));

    /// <summary>
    /// Whether the endpoint answers <see cref="CommandAccepted"/> or <see cref="Privacy.OrderRecorded"/>, alone or with the events
    /// it appends: a command on a case or an exhibit, or a court order on a person's record.
    /// </summary>
    private static bool AnswersAccepted(Type returned) =>
        returned == typeof(CommandAccepted) || returned == typeof(Privacy.OrderRecorded) || returned == typeof(Defendants.MergeRecorded)
        || (returned.IsGenericType && returned.GetGenericArguments().Any(AnswersAccepted));

    /// <summary>
    /// Every command answers <see cref="CommandAccepted"/>; those that start a stream (open a case,
    /// log an exhibit) answer it with 201 and the new stream's Location. A court order answers the
    /// person's record (<see cref="Privacy.OrderRecorded"/>), and a merge or its reversal the
    /// survivor's record and the merge (<see cref="Defendants.MergeRecorded"/>).
    /// </summary>
    private static async Task Answers(OpenApiOperation operation, OpenApiOperationTransformerContext context, HttpChain chain, CancellationToken ct)
    {
        if (chain.ResourceType == typeof(Defendants.MergeRecorded))
        {
            operation.Responses!["200"] = new OpenApiResponse
            {
                Description = "Recorded: the survivor, the merge, and the version of the survivor's record after it.",
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/json"] = new() { Schema = await Component(context, typeof(Defendants.MergeRecorded), nameof(Defendants.MergeRecorded), ct) }
                },
            };
            return;
        }

        if (chain.ResourceType == typeof(Privacy.OrderRecorded))
        {
            operation.Responses!["200"] = new OpenApiResponse
            {
                Description = "Recorded: the person and the version of their record after the order.",
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/json"] = new() { Schema = await Component(context, typeof(Privacy.OrderRecorded), nameof(Privacy.OrderRecorded), ct) }
                },
            };
            return;
        }

        var accepted = await Component(context, typeof(CommandAccepted), nameof(CommandAccepted), ct);
        var returned = chain.Method.Method.ReturnType;
        var opens = returned.IsGenericType && returned.GetGenericArguments().Any(typeof(IStartStream).IsAssignableFrom);
        var exhibit = chain.RoutePattern?.RawText?.Contains("exhibits", StringComparison.Ordinal) == true;
        var response = new OpenApiResponse
        {
            Description = (opens, exhibit) switch
            {
                (true, false) => "The case is opened; Location names it. The body gives its id and version 1.",
                (true, true) => "The exhibit is logged; Location names it. The body gives its case, its id and version 1 of its own stream.",
                (false, false) => "Recorded: the case's version after the append and the id of the new entry.",
                (false, true) => "Recorded: the exhibit's version after the append, its id and its case.",
            },
            Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = accepted } },
        };
        if (opens) AddHeader(response, "Location", exhibit ? "The new exhibit: /api/exhibits/{exhibitId}." : "The new case: /api/cases/{caseId}.");
        operation.Responses![opens ? "201" : "200"] = response;
    }

    private static async Task<OpenApiResponse> Problem(
        OpenApiOperation operation, OpenApiOperationTransformerContext context, int status, string description, string schema = ProblemSchema, CancellationToken ct = default)
    {
        var type = schema == ValidationProblemSchema ? typeof(HttpValidationProblemDetails) : typeof(ProblemDetails);
        var response = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/problem+json"] = new() { Schema = await Component(context, type, schema, ct) }
            },
        };
        operation.Responses![status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = response;
        return response;
    }

    /// <summary>A reference to <paramref name="type"/>'s schema, registered once under <paramref name="name"/>.</summary>
    private static async Task<IOpenApiSchema> Component(OpenApiOperationTransformerContext context, Type type, string name, CancellationToken ct)
    {
        var document = context.Document!;
        if (document.Components?.Schemas?.ContainsKey(name) != true)
        {
            document.AddComponent(name, await context.GetOrCreateSchemaAsync(type, null, ct));
        }

        return new OpenApiSchemaReference(name, document);
    }

    private static void Header(OpenApiOperation operation, string name, string description)
    {
        operation.Parameters ??= [];
        operation.Parameters.Add(new OpenApiParameter
        {
            Name = name,
            In = ParameterLocation.Header,
            Required = false,
            Description = description,
            Schema = new OpenApiSchema { Type = JsonSchemaType.String },
        });
    }

    private static void AddHeader(OpenApiResponse response, string name, string description)
    {
        response.Headers ??= new Dictionary<string, IOpenApiHeader>();
        response.Headers[name] = new OpenApiHeader { Description = description, Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
    }

    /// <summary>
    /// The endpoint class names the operation (RecordArrestEndpoint: RecordArrest), which client
    /// generators turn into method names; a class holding several endpoints names each in its route attribute.
    /// </summary>
    private static string OperationId(HttpChain chain)
    {
        var type = chain.Method.HandlerType.Name;
        if (chain.Method.Method.GetCustomAttribute<WolverineHttpMethodAttribute>()?.OperationId is { Length: > 0 } named) return named;
        if (type.EndsWith("Endpoint", StringComparison.Ordinal)) return type[..^"Endpoint".Length];
        throw new InvalidOperationException($"{type}.{chain.Method.Method.Name} shares its class: name it with OperationId on its route attribute.");
    }

    /// <summary>A JSON document, as opposed to a stream of them (<c>application/x-ndjson</c>) or anything else.</summary>
    private static bool IsJson(string mediaType) => mediaType == "application/json" || mediaType.EndsWith("+json", StringComparison.Ordinal);

    /// <summary>What a non-JSON answer is: text, or bytes a client should save rather than parse (a PDF, an export).</summary>
    private static OpenApiSchema Bytes(string mediaType) =>
        mediaType.StartsWith("text/", StringComparison.Ordinal) || mediaType == "application/x-pem-file"
            ? new OpenApiSchema { Type = JsonSchemaType.String }
            : new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" };

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    /// <summary>XML comments arrive wrapped as written; the description reads as plain lines.</summary>
    private static string? Plain(string? text) =>
        string.IsNullOrWhiteSpace(text) ? null : Spaces().Replace(text, " ").Trim();
}
