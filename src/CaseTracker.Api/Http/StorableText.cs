namespace CaseTracker.Api.Http;

/// <summary>
/// What PostgreSQL can keep in text and jsonb: no NUL, and nothing that is not a whole Unicode
/// character (a lone UTF-16 surrogate has no UTF-8 form). Such input is refused at the edge, as
/// a failed statement is both a 500 and a risk to the pooled connection that carried it.
/// </summary>
public static class StorableText
{
    public const string Refusal = "must not contain NUL or unpaired surrogate characters";

    public static bool IsStorable(ReadOnlySpan<char> text)
    {
        // The common case, plain text, is settled by two vectorised scans.
        if (text.IndexOf('\0') >= 0) return false;
        var first = text.IndexOfAnyInRange('\uD800', '\uDFFF');
        if (first < 0) return true;

        for (var i = first; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) i++;
            else if (char.IsSurrogate(text[i])) return false;
        }

        return true;
    }
}
