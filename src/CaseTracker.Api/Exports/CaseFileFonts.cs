using PdfSharp.Fonts;

namespace CaseTracker.Api.Exports;

/// <summary>
/// Every font a case file asks for is the one face shipped inside the assembly (Fonts/README.md),
/// so no case file depends on the fonts of the machine that drew it, a name in Chinese prints like
/// one in English, and PDFsharp embeds the glyphs used. Bold and italic are drawn by PDFsharp from
/// that face, which has one weight.
/// </summary>
public sealed class CaseFileFonts : IFontResolver
{
    public const string Family = "CaseFile";
    private const string Face = "WenQuanYiMicroHei";
    private const string Resource = "CaseTracker.Api.Exports.Fonts.WenQuanYiMicroHei.ttf";

    private static readonly Lazy<byte[]> Data = new(() =>
    {
        using var stream = typeof(CaseFileFonts).Assembly.GetManifestResourceStream(Resource)
                           ?? throw new InvalidOperationException($"The assembly lacks its font {Resource}.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    private static readonly Lock Installing = new();

    /// <summary>PDFsharp resolves fonts through one resolver for the whole process.</summary>
    public static void Install()
    {
        lock (Installing)
        {
            if (GlobalFontSettings.FontResolver is not CaseFileFonts) GlobalFontSettings.FontResolver = new CaseFileFonts();
        }
    }

    public FontResolverInfo ResolveTypeface(string familyName, bool isBold, bool isItalic) => new(Face, isBold, isItalic);

    public byte[]? GetFont(string faceName) => faceName == Face ? Data.Value : null;
}
