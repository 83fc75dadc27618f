using System.Reflection;
using JasperFx;
using JasperFx.CodeGeneration;
using JasperFx.CodeGeneration.Frames;
using JasperFx.CodeGeneration.Model;
using JasperFx.Core.Reflection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Wolverine.Http;
using Wolverine.Http.CodeGen;

namespace CaseTracker.Api.Http;

/// <summary>
/// Binds every <c>DateTimeOffset?</c> query parameter of every endpoint. Wolverine's own binding
/// takes a time without offset (as the server's local time) and keeps a non-zero offset, which
/// Npgsql refuses for timestamptz; here the time must follow <see cref="OffsetTimes"/>, as body
/// times do, and reaches the endpoint in UTC.
/// </summary>
public sealed class QueryTimes : IParameterStrategy
{
    public bool TryMatch(HttpChain chain, IServiceContainer container, ParameterInfo parameter, out Variable? variable)
    {
        variable = null;
        if (parameter.ParameterType != typeof(DateTimeOffset?) || parameter.Name is not { } name
            || parameter.GetCustomAttributes().Any(x => x is IBindingSourceMetadata)
            || chain.RoutePattern?.Parameters.Any(x => x.Name.Equals(name, StringComparison.OrdinalIgnoreCase)) == true)
        {
            return false;
        }

        // Wolverine describes query parameters in the OpenAPI document from the values it binds
        // itself; registering the parameter keeps it documented, while the endpoint gets ours.
        chain.TryFindOrCreateQuerystringValue(parameter);
        variable = new ReadQueryTime(name).Variable;
        return true;
    }

    /// <returns>the refusal, or null with <paramref name="time"/> set (null when absent)</returns>
    public static ProblemDetails? Read(HttpContext http, string name, out DateTimeOffset? time)
    {
        time = null;
        var values = http.Request.Query[name];
        if (values.Count == 0 || (values.Count == 1 && string.IsNullOrEmpty(values[0]))) return null;
        if (values.Count > 1) return Problems.Invalid(name, "must be given at most once");

        // An unescaped '+' decodes to a space in a query string, so "…T00:00:00+08:00" typed into a
        // URL arrives as "…T00:00:00 08:00"; that is still unambiguous, so it is read as meant.
        var text = values[0]!;
        if (text.Length > 6 && text[^6] == ' ') text = string.Concat(text.AsSpan(0, text.Length - 6), "+", text.AsSpan(text.Length - 5));
        if (!OffsetTimes.TryParse(text, out var value)) return Problems.Invalid(name, OffsetTimes.Refusal(values[0]));

        time = value.ToUniversalTime();
        return null;
    }

    private sealed class ReadQueryTime : AsyncFrame
    {
        private readonly string _name;
        private Variable? _http;

        public ReadQueryTime(string name)
        {
            _name = name;
            Variable = new Variable(typeof(DateTimeOffset?), name + "Utc", this);
        }

        public Variable Variable { get; }

        public override IEnumerable<Variable> FindVariables(IMethodVariables chain)
        {
            _http = chain.FindVariable(typeof(HttpContext));
            yield return _http;
        }

        public override void GenerateCode(GeneratedMethod method, ISourceWriter writer)
        {
            var problem = Variable.Usage + "Problem";
            writer.Write($"var {problem} = {typeof(QueryTimes).FullNameInCode()}.{nameof(Read)}({_http!.Usage}, \"{_name}\", out var {Variable.Usage});");
            writer.Write($"BLOCK:if ({problem} != null)");
            writer.Write($"await {typeof(HttpHandler).FullNameInCode()}.{nameof(HttpHandler.WriteProblems)}({problem}, {_http.Usage}).ConfigureAwait(false);");
            writer.Write("return;");
            writer.FinishBlock();
            Next?.GenerateCode(method, writer);
        }
    }
}
