using Microsoft.Net.Http.Headers;

namespace CaseTracker.Api.Http;

/// <summary>Reads the case version a client expects from <c>If-Match: "N"</c> (the ETag of the case).</summary>
public static class ExpectedVersion
{
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
