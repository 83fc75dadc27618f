using System.Globalization;

namespace CaseTracker.Api.Http;

/// <summary>
/// The one rule for times a client sends, in a body or a query string: "2017-03-01T08:00:00" is
/// ambiguous across the agencies' time zones, so an offset or Z is required.
/// </summary>
public static class OffsetTimes
{
    public static bool TryParse(string? text, out DateTimeOffset value)
    {
        value = default;
        return text is { Length: >= 11 } && (text.EndsWith('Z') || text.EndsWith('z') || HasOffset(text))
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out value);
    }

    public static string Refusal(string? text) =>
        $"'{text}' is not an ISO 8601 time with an offset, such as 2017-03-01T08:00:00+08:00.";

    private static bool HasOffset(string text) => text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':';
}
