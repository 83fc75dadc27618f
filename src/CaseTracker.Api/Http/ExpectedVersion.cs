using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace CaseTracker.Api.Http;

/// <summary>
/// Reads the stream version a client expects from <c>If-Match: "N"</c> (the ETag of the case, or
/// of the exhibit, it read).
/// </summary>
public static class ExpectedVersion
{
    /// <summary>
    /// The refusal when If-Match names another version of the stream than <paramref name="current"/>
    /// (412), or no version at all (400); null when it is absent or met.
    /// </summary>
    /// <param name="stream">what the stream is, for the answer: "case", "exhibit"</param>
    public static ProblemDetails? Unmet(HttpRequest request, long current, string stream)
    {
        if (!TryRead(request, out var expected, out var malformed)) return null;
        if (malformed) return Problems.Invalid("If-Match", $"must be {(stream == "exhibit" ? "an" : "a")} {stream} version such as \"12\"");
        return expected == current ? null : Problems.PreconditionFailed(expected!.Value, current, stream);
    }

    /// <returns>true when the client sent a concrete If-Match; <paramref name="malformed"/> when it was not a version.</returns>
    public static bool TryRead(HttpRequest request, out long? version, out bool malformed)
    {
        version = null;
        malformed = false;
        var raw = request.Headers[HeaderNames.IfMatch].ToString().Trim();
        if (raw.Length == 0 || raw == "*") return false;

        if (raw.StartsWith("W/", StringComparison.Ordinal)) raw = raw[2..];
        raw = raw.Trim('"');
        if (long.TryParse(raw, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed))
        {
            version = parsed;
        }
        else
        {
            malformed = true;
        }

        return true;
    }

    public static bool IsPresent(HttpRequest request) => TryRead(request, out _, out _);

    public static string ETag(long version) => $"\"{version}\"";
}
