using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Wolverine.Http;

namespace CaseTracker.Api.Operations;

/// <summary>
/// What the description says a command body must carry comes from the command's own
/// <c>Validate</c>, the very method the server runs: asked about a command with every field null,
/// it names each field it cannot do without. The description cannot then drift from the server.
/// </summary>
public static class CommandSchemas
{
    private const string IsRequired = "is required";

    /// <summary>The fields <paramref name="validate"/> refuses when absent, and the other things it says then.</summary>
    public static (IReadOnlySet<string> Required, IReadOnlyDictionary<string, string> Conditions) Rules(MethodInfo validate)
    {
        var empty = RuntimeHelpers.GetUninitializedObject(validate.GetParameters()[0].ParameterType);
        object?[] arguments = [empty, .. validate.GetParameters().Skip(1).Select(_ => TimeProvider.System)];
        var problem = (ProblemDetails)validate.Invoke(null, arguments)!;
        if (problem == WolverineContinue.NoProblems) return (new HashSet<string>(), new Dictionary<string, string>());
        if (!problem.Extensions.TryGetValue("errors", out var found) || found is not IDictionary<string, string[]> errors)
        {
            throw new InvalidOperationException($"{validate.DeclaringType?.Name}.Validate refused an empty command without naming its fields.");
        }

        var required = errors.Where(x => x.Value.Contains(IsRequired)).Select(x => x.Key).ToHashSet();
        var conditions = errors.Where(x => !required.Contains(x.Key))
            .ToDictionary(x => x.Key, x => string.Join("; ", x.Value));
        return (required, conditions);
    }

    /// <summary>"is required unless defendantId names a known person" reads as "Required unless defendantId names a known person."</summary>
    private static string Sentence(string message)
    {
        var text = message.StartsWith("is ", StringComparison.Ordinal) ? message[3..] : message;
        return $"{char.ToUpperInvariant(text[0])}{text[1..]}.";
    }

    /// <summary>
    /// The endpoint's static <c>Validate(TCommand)</c> or <c>Validate(TCommand, TimeProvider)</c>, as
    /// Wolverine calls it before the endpoint.
    /// </summary>
    public static MethodInfo? Validator(HttpChain chain) =>
        chain.RequestType is { } command
            ? chain.Method.HandlerType.GetMethods(BindingFlags.Public | BindingFlags.Static).SingleOrDefault(m =>
                m.Name == "Validate" && m.ReturnType == typeof(ProblemDetails)
                && m.GetParameters() is [{ } first, .. var rest] && first.ParameterType == command
                && rest.All(x => x.ParameterType == typeof(TimeProvider)))
            : null;

    /// <summary>Each command body schema marked with the fields its validation requires.</summary>
    public static void Apply(OpenApiDocument document, IEnumerable<HttpChain> chains)
    {
        var schemas = document.Components?.Schemas ?? throw new InvalidOperationException("The description has no schemas.");
        var decided = new Dictionary<Type, IReadOnlySet<string>>();
        foreach (var chain in chains)
        {
            if (Validator(chain) is not { } validate) continue;

            var command = chain.RequestType!;
            var (required, conditions) = Rules(validate);
            if (decided.TryGetValue(command, out var earlier))
            {
                if (!earlier.SetEquals(required))
                {
                    throw new InvalidOperationException($"{command.Name} is validated differently by two endpoints; one schema cannot describe both.");
                }

                continue;
            }

            decided[command] = required;
            if (!schemas.TryGetValue(command.Name, out var found) || found is not OpenApiSchema schema || schema.Properties is null)
            {
                throw new InvalidOperationException($"The description has no schema {command.Name} for {chain.RoutePattern?.RawText}.");
            }

            schema.Required = new SortedSet<string>(required.Where(schema.Properties.ContainsKey), StringComparer.Ordinal);
            foreach (var (name, property) in schema.Properties)
            {
                if (property is not OpenApiSchema inline) continue;
                // Null is refused for a required field; for the others it means "not given".
                if (required.Contains(name) && inline.Type is { } type) inline.Type = type & ~JsonSchemaType.Null;
                if (conditions.TryGetValue(name, out var condition))
                {
                    inline.Description = string.Join(" ", new[] { inline.Description, Sentence(condition) }.Where(x => x is not null));
                }
            }
        }
    }

    /// <summary>
    /// Strings and times pass through CaseTracker's own JSON converters (storable text, times with
    /// an offset), which leaves the generated schema without a type; they are strings on the wire.
    /// </summary>
    public static Task TypeConvertedValues(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken ct)
    {
        var info = context.JsonTypeInfo;
        if (schema.Type is null && Scalar(info.Type) is { } scalar)
        {
            schema.Type = scalar.Type;
            schema.Format = scalar.Format;
            if (Nullable.GetUnderlyingType(info.Type) is not null || context.JsonPropertyInfo is { IsGetNullable: true } or { IsSetNullable: true })
            {
                schema.Type |= JsonSchemaType.Null;
            }
        }

        if (schema.Type?.HasFlag(JsonSchemaType.Array) == true && IsEmpty(schema.Items) && info.ElementType is { } element && Scalar(element) is { } items)
        {
            schema.Items = items;
        }

        if (schema.AdditionalProperties is OpenApiSchema values && values.Type?.HasFlag(JsonSchemaType.Array) == true && IsEmpty(values.Items)
            && info.ElementType is { } valueType && valueType.IsArray && Scalar(valueType.GetElementType()!) is { } valueItems)
        {
            values.Items = valueItems;
        }

        return Task.CompletedTask;
    }

    private static OpenApiSchema? Scalar(Type type) =>
        (Nullable.GetUnderlyingType(type) ?? type) switch
        {
            var t when t == typeof(string) => new OpenApiSchema { Type = JsonSchemaType.String },
            var t when t == typeof(DateTimeOffset) => new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time" },
            _ => null
        };

    private static bool IsEmpty(IOpenApiSchema? schema) =>
        schema is null or OpenApiSchema { Type: null, Format: null, Properties: null or { Count: 0 }, Items: null, OneOf: null, AnyOf: null, AllOf: null };
}
