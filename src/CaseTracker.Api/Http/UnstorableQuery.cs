namespace CaseTracker.Api.Http;

/// <summary>
/// Refuses a query string carrying text PostgreSQL cannot store (a decoded %00, say) before any
/// endpoint can put it into a statement. Names are checked too: endpoints bind by name, and a
/// name is echoed back in the answer.
/// </summary>
public sealed class UnstorableQuery(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext http, IProblemDetailsService problems)
    {
        foreach (var (name, values) in http.Request.Query)
        {
            if (StorableText.IsStorable(name) && values.All(value => value is null || StorableText.IsStorable(value))) continue;

            var field = StorableText.IsStorable(name) ? name : "query";
            http.Response.StatusCode = StatusCodes.Status400BadRequest;
            await problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = http,
                ProblemDetails = Problems.Invalid(field, StorableText.Refusal)
            });
            return;
        }

        await next(http);
    }
}
