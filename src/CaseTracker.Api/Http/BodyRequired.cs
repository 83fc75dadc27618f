using JasperFx;
using JasperFx.CodeGeneration;
using JasperFx.CodeGeneration.Frames;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CaseTracker.Api.Http;

/// <summary>
/// The JSON body <c>null</c> is valid JSON, so Wolverine hands the endpoint a null command, which
/// its validation would dereference. Every endpoint that reads a body refuses null first, before
/// its own middleware (validation, aggregate loading) runs.
/// </summary>
public sealed class BodyRequired : IHttpPolicy
{
    public void Apply(IReadOnlyList<HttpChain> chains, GenerationRules rules, IServiceContainer container)
    {
        foreach (var chain in chains.Where(x => x.RequestType is { IsValueType: false }))
        {
            var check = typeof(BodyRequired).GetMethod(nameof(Check))!.MakeGenericMethod(chain.RequestType!);
            chain.Middleware.Insert(0, new MethodCall(typeof(BodyRequired), check));
        }
    }

    public static ProblemDetails Check<T>(T? body) where T : class =>
        body is null ? Problems.Invalid("body", "is required: a JSON object, not null") : WolverineContinue.NoProblems;
}
