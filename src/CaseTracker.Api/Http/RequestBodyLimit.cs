using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;

namespace CaseTracker.Api.Http;

/// <summary>
/// Refuses request bodies over the limit with 413 before anything reads them, and buffers the rest
/// so that a command retried after a write conflict can read its body again.
/// </summary>
public sealed class RequestBodyLimit(RequestDelegate next, long maxBytes)
{
    public const long DefaultMaxBytes = 64 * 1024;

    public async Task InvokeAsync(HttpContext http, IProblemDetailsService problems)
    {
        if (!HttpMethods.IsPost(http.Request.Method) && !HttpMethods.IsPut(http.Request.Method))
        {
            await next(http);
            return;
        }

        if (http.Request.ContentLength > maxBytes || !await FitsAfterBuffering(http.Request))
        {
            http.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            await problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = http,
                ProblemDetails = new ProblemDetails
                {
                    Status = StatusCodes.Status413PayloadTooLarge,
                    Title = "Request body too large",
                    Detail = $"Request bodies are limited to {maxBytes} bytes; nothing was recorded."
                }
            });
            return;
        }

        await next(http);
    }

    /// <summary>For bodies without a Content-Length (chunked), count while buffering.</summary>
    private async Task<bool> FitsAfterBuffering(HttpRequest request)
    {
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxBytes + 1;
        }

        request.EnableBuffering();
        var buffer = new byte[8192];
        long total = 0;
        int read;
        while ((read = await request.Body.ReadAsync(buffer, request.HttpContext.RequestAborted)) > 0)
        {
            total += read;
            if (total > maxBytes) return false;
        }

        request.Body.Position = 0;
        return true;
    }
}
