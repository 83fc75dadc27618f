using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using CaseTracker.Api.Audit;
using CaseTracker.Api.Cases;
using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace CaseTracker.Api.Exports;

/// <summary>
/// Draws a case file: the case as its read model tells it, the timeline as its history tells it,
/// and the integrity statement. Nothing here reads a clock: the only time on the page that is not a
/// fact of the case is the request's, printed as "produced at".
/// </summary>
public static class CaseFileDocument
{
    static CaseFileDocument() => CaseFileFonts.Install();

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static byte[] Render(CaseFileContent content)
    {
        using var document = new PdfDocument();
        var c = content.Case;
        document.Info.Title = $"Case file {c.Reference}";
        document.Info.Subject = c.Title;
        document.Info.Author = "CaseTracker";
        document.Info.CreationDate = content.ProducedAt.UtcDateTime;

        using (var page = new Pages(document))
        {
            Summary(page, content);
            People(page, content);
            ChargesAndVerdicts(page, content);
            Sentences(page, content);
            Seizures(page, content);
            Timeline(page, content);
            Integrity(page, content);
        }

        Footers(document, content);
        using var output = new MemoryStream();
        document.Save(output);
        return output.ToArray();
    }

    private static void Summary(Pages page, CaseFileContent content)
    {
        var c = content.Case;
        page.Text("Prosecution case file", Fonts.Title, after: 4);
        page.Text($"{c.Reference} — {c.Title}", Fonts.Heading, after: 8);
        page.Facts(
            ("Status", c.Status == CaseStatus.Closed ? $"closed {Time(c.ClosedAt)}: {c.Disposition}" : "open"),
            ("Opened", Time(c.OpenedAt)),
            ("Lead agency", c.LeadAgency),
            ("Partner agencies", c.PartnerAgencies.Count == 0 ? "none" : string.Join(", ", c.PartnerAgencies)),
            ("Jurisdiction", c.Jurisdiction),
            ("Need-to-know", c.Restricted ? "restricted to its agencies" : "not restricted"),
            ("Case id", c.CaseId.ToString()),
            ("As recorded up to", $"version {c.Version}; last business time {Time(c.LastOccurredAt)}"),
            ("Produced at", Recorded(content.ProducedAt)));
    }

    private static void People(Pages page, CaseFileContent content)
    {
        var c = content.Case;
        page.Section("People");
        if (c.Defendants.Count == 0) page.Text("No one is identified in this case.", Fonts.Body);
        foreach (var d in c.Defendants)
        {
            var aliases = d.Aliases.Count > 0 ? $" (also known as {string.Join(", ", d.Aliases)})" : "";
            page.Text($"{d.Name}{aliases}", Fonts.Strong, after: 1);
            page.Text(Join(d.Role, d.Nationality is null ? null : $"nationality {d.Nationality}", $"status {d.Status}", $"identified {Time(d.IdentifiedAt)}"), Fonts.Body, indent: 12);
            foreach (var a in c.Arrests.Where(x => x.DefendantId == d.DefendantId))
            {
                page.Text($"Arrested {Time(a.ArrestedAt)} at {a.Place} by {a.Agency}", Fonts.Body, indent: 12);
            }

            page.Space(3);
        }
    }

    private static void ChargesAndVerdicts(Pages page, CaseFileContent content)
    {
        var c = content.Case;
        page.Section("Charges and verdicts");
        if (c.Charges.Count == 0) page.Text("No charge is filed.", Fonts.Body);
        foreach (var charge in c.Charges)
        {
            page.Text($"{Person(content, charge.DefendantId)}: {charge.Offence}{(charge.Statute is null ? "" : $" ({charge.Statute})")}", Fonts.Strong, after: 1);
            page.Text($"Filed {Time(charge.FiledAt)}", Fonts.Body, indent: 12);
            foreach (var v in c.Verdicts.Where(x => x.ChargeId == charge.ChargeId))
            {
                page.Text($"Verdict: {v.Verdict}, {v.Court}, {Time(v.ReachedAt)}", Fonts.Body, indent: 12);
            }

            page.Space(3);
        }
    }

    private static void Sentences(Pages page, CaseFileContent content)
    {
        var c = content.Case;
        page.Section("Sentences");
        if (c.Sentences.Count == 0) page.Text("No sentence is handed down.", Fonts.Body);
        foreach (var s in c.Sentences)
        {
            page.Text($"{Person(content, s.DefendantId)}: {Sentence(s.OriginalKind, s.OriginalTermMonths, s.OriginalReprieveYears)}", Fonts.Strong, after: 1);
            page.Text($"Handed down {Time(s.HandedAt)} by {s.Court}", Fonts.Body, indent: 12);
            foreach (var x in s.Commutations)
            {
                page.Text($"Commuted {Time(x.CommutedAt)} from {x.FromKind} to {Sentence(x.ToKind, x.TermMonths, x.ReprieveYears)}: {x.Reason}", Fonts.Body, indent: 12);
            }

            if (s.Commutations.Count > 0) page.Text($"Now: {Sentence(s.Kind, s.TermMonths, s.ReprieveYears)}", Fonts.Body, indent: 12);
            page.Space(3);
        }
    }

    private static void Seizures(Pages page, CaseFileContent content)
    {
        var c = content.Case;
        page.Section("Seizures");
        if (c.Seizures.Count == 0) page.Text("Nothing is seized.", Fonts.Body);
        foreach (var seizure in c.Seizures) Seizure(page, seizure);

        if (c.SeizureTotals.Count > 0)
        {
            page.Text("Totals by substance: " + string.Join("; ", c.SeizureTotals.Select(x => $"{x.Key} {Number(x.Value)} g")), Fonts.Body);
        }
    }

    /// <summary>One seizure, and under it what became of it as evidence.</summary>
    private static void Seizure(Pages page, CaseSeizure s)
    {
        var grams = s.Grams is { } g && s.Unit != "g" ? $" ({Number(g)} g)" : "";
        page.Text($"{s.Substance}: {Number(s.Quantity)} {s.Unit}{grams}", Fonts.Strong, after: 1);
        page.Text(Join($"seized {Time(s.SeizedAt)} at {s.Place}", s.EvidenceRef is null ? null : $"evidence reference {s.EvidenceRef}"), Fonts.Body, indent: 12);
        page.Space(3);
    }

    private static void Timeline(Pages page, CaseFileContent content)
    {
        page.Section("Timeline");
        page.Text(
            "Every event of the case, in the order it was recorded. \"Happened\" is the business time the record gives, " +
            "\"Recorded\" the time CaseTracker learned of it. A retracted entry is struck through; its retraction follows it " +
            "and stands on its own line where it was recorded.", Fonts.Small, after: 6);
        page.Row(Fonts.Table, (0, 100, "Happened", false), (104, 84, "Recorded (UTC)", false), (192, 36, "Version", false), (232, Pages.Width - 232, "What, and who recorded it", false));
        page.Rule();
        foreach (var entry in content.Timeline)
        {
            var e = entry.Event;
            var struck = entry.RetractedBy is not null;
            var version = entry.Stream == content.Case.CaseId ? e.Version.ToString(Invariant) : $"{entry.Stream.ToString()[..8]} {e.Version}";
            var what = $"{Words(e.Type, capital: true)}: {Describe(e.Data, content.People)} — by {Who(e.Actor)}";
            page.Row(Fonts.Table, (0, 100, e.OccurredAt is { } at ? Time(at) : "unreadable", struck), (104, 84, Recorded(e.RecordedAt), struck),
                (192, 36, version, struck), (232, Pages.Width - 232, what, struck));
            if (entry.RetractedBy is { } r)
            {
                page.Row(Fonts.Small, (232, Pages.Width - 232, $"Retracted {Recorded(r.RecordedAt)} by {Who(r.Actor)}: {r.Reason}", false));
            }

            page.Space(2);
        }
    }

    private static void Integrity(Pages page, CaseFileContent content)
    {
        var caseId = content.Case.CaseId;
        page.Section("Integrity statement");
        page.Text(
            $"This file shows {content.Timeline.Count} events in {content.Heads.Count} stream(s). Each event's hash is SHA-256 over the hash " +
            "of the event before it and a canonical form of the event (its type, data, business and recording times, who recorded it, " +
            "and its version), so that changing, removing or reordering any event changes every hash after it.", Fonts.Body, after: 4);
        foreach (var chain in content.Chains)
        {
            var stream = chain.CaseId == caseId ? "The case's chain" : $"The chain of stream {chain.CaseId}";
            page.Text(chain.Valid
                ? $"{stream} was recomputed when this file was produced: valid, {chain.Events} events."
                : $"{stream} was recomputed when this file was produced: INVALID at version {chain.FirstInvalidVersion}: {chain.Reason}.", Fonts.Strong, after: 2);
        }

        foreach (var head in content.Heads)
        {
            page.Text(head.StreamId == caseId ? $"Last hash (the case, version {head.Version}):" : $"Last hash (stream {head.StreamId}, version {head.Version}):", Fonts.Body, after: 0);
            page.Text(head.Hash ?? "none", Fonts.Code, indent: 12, after: 3);
        }

        page.Text("Statement signed with the export key when this file was produced (canonical JSON, UTF-8):", Fonts.Body, after: 0);
        page.Text(content.Statement, Fonts.Code, indent: 12, after: 3);
        page.Text("Signature (ECDSA P-256 with SHA-256 over exactly the bytes above; IEEE P1363, base64):", Fonts.Body, after: 0);
        page.Text(content.Signature, Fonts.Code, indent: 12, after: 6);

        page.Section("How to verify");
        page.Text(
            "1. Fetch the public export key: GET /.well-known/casetracker-export-key (no token; SubjectPublicKeyInfo PEM). Keep it apart from the file.", Fonts.Body, indent: 12);
        page.Text(
            $"2. An auditor exports the case: GET /api/cases/{caseId}/export. The export holds every event above, one JSON line each, " +
            "and ends with a checkpoint signed with the same key.", Fonts.Body, indent: 12);
        page.Text(
            "3. Anyone, offline, with no database and no secret: dotnet run --project src/CaseTracker.Api -- audit verify-export EXPORT --key KEY. " +
            "It recomputes every hash and link and checks the checkpoint's signature; it names the first line that fails.", Fonts.Body, indent: 12);
        page.Text(
            "4. The export's line for the version named above carries the last hash printed here; an export taken later goes on from it.", Fonts.Body, indent: 12);
    }

    /// <summary>Page numbers need the page count, so they are drawn once every page exists.</summary>
    private static void Footers(PdfDocument document, CaseFileContent content)
    {
        for (var i = 0; i < document.PageCount; i++)
        {
            using var g = XGraphics.FromPdfPage(document.Pages[i], XGraphicsPdfPageOptions.Append);
            var text = $"{content.Case.Reference} · case file produced {Recorded(content.ProducedAt)} · page {i + 1} of {document.PageCount}";
            g.DrawString(text, Fonts.Small, XBrushes.Gray, new XRect(Pages.Left, Pages.Bottom + 14, Pages.Width, 12), XStringFormats.TopLeft);
        }
    }

    private static string Person(CaseFileContent content, Guid id) => content.People.GetValueOrDefault(id, id.ToString());

    private static string Sentence(string kind, int? termMonths, int? reprieveYears) => kind + (termMonths, reprieveYears) switch
    {
        ({ } months, _) => $", {months} months",
        (_, { } years) => $", reprieve of {years} years",
        _ => "",
    };

    private static string Time(DateTimeOffset? time) => time?.ToString("yyyy-MM-dd HH:mm zzz", Invariant) ?? "—";

    private static string Recorded(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", Invariant);

    private static string Number(decimal value) => value.ToString("0.###", Invariant);

    private static string Who(Actor actor) => $"{actor.User} ({Join(actor.Role, actor.Agency)})";

    private static string Join(params string?[] parts) => string.Join(", ", parts.Where(x => !string.IsNullOrWhiteSpace(x)));

    /// <summary>
    /// An event's data as a reader follows it, for every kind of event alike: each field that holds
    /// something, by name; the person named by a <c>defendantId</c> by their name; other ids left
    /// out (the entries they name have lines of their own).
    /// </summary>
    private static string Describe(JsonNode? data, IReadOnlyDictionary<Guid, string> people)
    {
        if (data is not JsonObject fields) return data?.ToJsonString() ?? "no data";
        var parts = new List<string>();
        foreach (var (key, value) in fields)
        {
            var text = value is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
            if (Guid.TryParse(text, out var id))
            {
                if (key == "defendantId") parts.Add($"person: {people.GetValueOrDefault(id, text!)}");
                continue;
            }

            if (value is null or JsonArray { Count: 0 }) continue;
            parts.Add($"{Words(key)}: {Value(value)}");
        }

        return string.Join("; ", parts);
    }

    private static string Value(JsonNode? value) => value switch
    {
        null => "—",
        JsonArray items => string.Join(", ", items.Select(Value)),
        JsonValue v when v.TryGetValue<string>(out var text) =>
            text.Length > 16 && text[10] == 'T' && DateTimeOffset.TryParse(text, Invariant, DateTimeStyles.None, out var time) ? Time(time) : text,
        _ => value.ToJsonString(),
    };

    /// <summary>camelCase and PascalCase names as words: "arrestedAt" is "arrested at", "ArrestMade" "Arrest made".</summary>
    private static string Words(string name, bool capital = false)
    {
        var words = new StringBuilder();
        foreach (var c in name)
        {
            if (char.IsUpper(c) && words.Length > 0) words.Append(' ');
            words.Append(words.Length == 0 && capital ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c));
        }

        return words.ToString();
    }

    private static class Fonts
    {
        private static readonly XPdfFontOptions Embedded = new(PdfFontEncoding.Unicode);

        public static readonly XFont Title = new(CaseFileFonts.Family, 18, XFontStyleEx.Bold, Embedded);
        public static readonly XFont Heading = new(CaseFileFonts.Family, 13, XFontStyleEx.Bold, Embedded);
        public static readonly XFont Strong = new(CaseFileFonts.Family, 9, XFontStyleEx.Bold, Embedded);
        public static readonly XFont Body = new(CaseFileFonts.Family, 9, XFontStyleEx.Regular, Embedded);
        public static readonly XFont Table = new(CaseFileFonts.Family, 8, XFontStyleEx.Regular, Embedded);
        public static readonly XFont Small = new(CaseFileFonts.Family, 7.5, XFontStyleEx.Regular, Embedded);
        public static readonly XFont Code = new(CaseFileFonts.Family, 7.5, XFontStyleEx.Regular, Embedded);

        public static XFont Struck(XFont font) => new(CaseFileFonts.Family, font.Size, XFontStyleEx.Strikeout, Embedded);
    }

    /// <summary>
    /// Text flowed down A4 pages: wrapped to the width (between words, and between any two Chinese,
    /// Japanese or Korean characters, which need no spaces), a new page whenever the next line
    /// would not fit.
    /// </summary>
    private sealed class Pages(PdfDocument document) : IDisposable
    {
        public const double Left = 50;
        public const double Width = 495;
        public const double Top = 50;
        public const double Bottom = 790;

        private readonly XGraphics _measure = XGraphics.CreateMeasureContext(
            new XSize(Width, Bottom), XGraphicsUnit.Point, XPageDirection.Downwards, new PdfSharp.Events.RenderEvents());

        private XGraphics? _g;
        private double _y;

        private XGraphics G => _g ?? throw new InvalidOperationException("No page is open.");

        public void Section(string title)
        {
            Space(8);
            Need(Fonts.Heading.GetHeight() + 3 * Fonts.Body.GetHeight());
            Text(title, Fonts.Heading, after: 5);
        }

        public void Text(string text, XFont font, double indent = 0, double after = 2)
        {
            foreach (var line in Wrap(text, font, Width - indent))
            {
                Need(font.GetHeight());
                G.DrawString(line, font, XBrushes.Black, Left + indent, _y, XStringFormats.TopLeft);
                _y += font.GetHeight();
            }

            _y += after;
        }

        /// <summary>Label and value pairs, the labels in a column of their own.</summary>
        public void Facts(params (string Label, string Value)[] facts)
        {
            foreach (var (label, value) in facts) Row(Fonts.Body, (0, 110, label, false), (114, Width - 114, value, false));
        }

        /// <summary>Cells side by side, each wrapped in its own width; the row moves to a new page whole.</summary>
        public void Row(XFont font, params (double X, double Width, string Text, bool Struck)[] cells)
        {
            var wrapped = cells.Select(x => Wrap(x.Text, font, x.Width).ToList()).ToList();
            Need(wrapped.Max(x => x.Count) * font.GetHeight());
            var struck = Fonts.Struck(font);
            for (var i = 0; i < cells.Length; i++)
            {
                var y = _y;
                foreach (var line in wrapped[i])
                {
                    G.DrawString(line, cells[i].Struck ? struck : font, XBrushes.Black, Left + cells[i].X, y, XStringFormats.TopLeft);
                    y += font.GetHeight();
                }
            }

            _y += wrapped.Max(x => x.Count) * font.GetHeight();
        }

        public void Rule()
        {
            Need(4);
            G.DrawLine(XPens.Gray, Left, _y + 1, Left + Width, _y + 1);
            _y += 4;
        }

        public void Space(double points) => _y += points;

        private void Need(double height)
        {
            if (_g is not null && _y + height <= Bottom) return;
            _g?.Dispose();
            var page = document.AddPage();
            page.Size = PdfSharp.PageSize.A4;
            _g = XGraphics.FromPdfPage(page);
            _y = Top;
        }

        private IEnumerable<string> Wrap(string text, XFont font, double width)
        {
            foreach (var paragraph in text.Split('\n'))
            {
                var line = new StringBuilder();
                foreach (var token in Tokens(paragraph))
                {
                    if (Fits(line + token, font, width))
                    {
                        line.Append(token);
                        continue;
                    }

                    if (line.Length > 0)
                    {
                        yield return line.ToString().TrimEnd();
                        line.Clear();
                        if (token == " ") continue;
                    }

                    // A token wider than the line (a hash, a signature, a URL) is broken where it must be.
                    foreach (var rune in token.EnumerateRunes())
                    {
                        if (line.Length > 0 && !Fits(line + rune.ToString(), font, width))
                        {
                            yield return line.ToString();
                            line.Clear();
                        }

                        line.Append(rune.ToString());
                    }
                }

                yield return line.ToString().TrimEnd();
            }
        }

        private bool Fits(string text, XFont font, double width) => _measure.MeasureString(text, font).Width <= width;

        /// <summary>Words, single spaces, and each CJK character on its own: the places a line may break.</summary>
        private static IEnumerable<string> Tokens(string text)
        {
            var word = new StringBuilder();
            foreach (var rune in text.EnumerateRunes())
            {
                if (rune.Value == ' ' || rune.Value >= 0x2E80)
                {
                    if (word.Length > 0) yield return word.ToString();
                    word.Clear();
                    yield return rune.ToString();
                }
                else
                {
                    word.Append(rune.ToString());
                }
            }

            if (word.Length > 0) yield return word.ToString();
        }

        public void Dispose()
        {
            _g?.Dispose();
            _measure.Dispose();
        }
    }
}
