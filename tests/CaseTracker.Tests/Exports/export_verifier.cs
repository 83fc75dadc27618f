using System.Text;
using System.Text.Json.Nodes;
using CaseTracker.Api.Audit;
using CaseTracker.Api.Exports;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Exports;

/// <summary>
/// The offline verifier over exports built in memory, signed with the development key: no host, no
/// database. They hold what a live export of one stream cannot show: two streams interleaved, and
/// an event sealed in the first canonical form.
/// </summary>
public class export_verifier
{
    private static readonly Guid CaseId = Guid.Parse("0195a3f4-0000-7000-8000-0000000000ca");
    private static readonly Guid Exhibit = Guid.Parse("0195a3f4-0000-7000-8000-0000000000e1");
    private static readonly DateTimeOffset At = DateTimeOffset.Parse("2018-08-01T06:00:00+08:00");
    private static readonly ExportKey Key = new(ExportKey.DevelopmentKey);

    /// <summary>An export as the server writes one: lines for the case and a second stream, interleaved, then the checkpoint.</summary>
    private static List<byte[]> Export(Func<JsonObject, JsonObject>? checkpoint = null)
    {
        var previous = new Dictionary<Guid, (long Version, string Hash)>();
        var lines = new List<byte[]>();
        var heads = new Dictionary<Guid, StreamHead>();
        var sequence = 100L;
        foreach (var (stream, type, data, seal) in new (Guid, string, string, bool)[]
                 {
                     (CaseId, "case_opened", """{"reference":"XT-2017-001","title":"Xingtai"}""", false),
                     (CaseId, "defendant_identified", """{"name":"刘勇","aliases":["Lao Liu"]}""", true),
                     (Exhibit, "exhibit_logged", """{"sealNumber":"S-1","grossGrams":1012.5}""", true),
                     (CaseId, "drugs_seized", """{"substance":"fentanyl","quantity":11.9}""", true),
                     (Exhibit, "custody_transferred", """{"to":"lab","sealIntact":true}""", true),
                 })
        {
            var (version, before) = previous.GetValueOrDefault(stream, (0, HashChain.Genesis));
            var headers = new JsonObject { ["role"] = "officer", ["agency"] = "Xingtai PSB" };
            if (seal) headers[EventHeaders.Seal] = EventHeaders.CurrentSeal;
            var recording = new ExportedRecording(stream, type, $"CaseTracker.Api.Cases.{type}, CaseTracker.Api", null, headers);
            var history = new HistoryEntry(version + 1, sequence++, Guid.NewGuid(), type, At.AddDays(sequence), At.AddYears(1).AddSeconds(sequence),
                new Actor("alice", "officer", "Xingtai PSB"), "correlation", JsonNode.Parse(data), null, before, "audit-signature", null);
            history = history with { Hash = HashChain.Next(before, recording.Chained(history)!.Canonical()) };

            lines.Add(ExportLines.Event(history, recording));
            previous[stream] = (history.Version, history.Hash!);
            heads[stream] = new StreamHead(stream, history.Version, history.Hash);
        }

        var statement = ExportLines.Statement(At.AddYears(2), CaseId, heads.Values, lines.Select(x => ExportLines.Digest(x)));
        lines.Add(ExportLines.Checkpoint(Key.Signed(checkpoint?.Invoke(statement) ?? statement)));
        return lines;
    }

    private static ExportVerdict Verify(IEnumerable<byte[]> lines) =>
        ExportVerifier.Verify([.. lines.SelectMany(x => x.Append((byte)'\n'))], ExportKey.DevelopmentPublicKey);

    [Fact]
    public void an_export_of_two_interleaved_streams_with_an_event_of_the_first_seal_verifies()
    {
        var verdict = Verify(Export());

        verdict.ShouldBe(new ExportVerdict(true, 5, 2, null, null, CaseId, "2020-07-31T22:00:00.0000000Z"));
    }

    [Fact]
    public void lines_of_two_streams_swapped_keep_every_chain_but_not_the_checkpoint()
    {
        var lines = Export();
        (lines[2], lines[3]) = (lines[3], lines[2]);

        var verdict = Verify(lines);

        (verdict.Line, verdict.Reason).ShouldBe((3, "it is not the line exported there: its digest differs from the checkpoint's"));
    }

    [Fact]
    public void a_field_no_hash_covers_is_still_held_by_the_checkpoint()
    {
        var lines = Export();
        lines[1] = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(lines[1]).Replace("\"sequence\":101", "\"sequence\":102"));

        Verify(lines).Line.ShouldBe(2);
    }

    [Fact]
    public void the_last_event_of_a_stream_cut_off_is_named_at_the_checkpoint()
    {
        var lines = Export();
        lines.RemoveAt(4);

        var verdict = Verify(lines);

        (verdict.Line, verdict.Reason).ShouldBe((5, "the checkpoint counts 5 event lines, the export has 4"));
    }

    [Fact]
    public void an_export_without_its_checkpoint_is_refused_at_its_last_line()
    {
        var lines = Export();
        lines.RemoveAt(lines.Count - 1);

        var verdict = Verify(lines);

        verdict.Line.ShouldBe(5);
        verdict.Reason!.ShouldContain("not a checkpoint");
    }

    [Fact]
    public void a_checkpoint_signed_by_another_key_is_refused()
    {
        var lines = Export();
        var other = new ExportKey(System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256).ExportPkcs8PrivateKeyPem());
        var checkpoint = JsonNode.Parse(lines[^1])!["checkpoint"]!.AsObject();
        checkpoint.Remove(ExportKey.Signature);
        lines[^1] = ExportLines.Checkpoint(other.Signed(checkpoint));

        var verdict = Verify(lines);

        (verdict.Line, verdict.Reason).ShouldBe((6, "the checkpoint's signature does not verify with the export key"));
    }

    [Fact]
    public void a_signed_checkpoint_of_every_stream_is_no_export_checkpoint()
    {
        var lines = Export();
        var heads = Export(statement => new JsonObject { ["takenAt"] = statement["takenAt"]!.DeepClone(), ["streams"] = statement["streams"]!.DeepClone() });
        lines[^1] = heads[^1];

        var verdict = Verify(lines);

        verdict.Line.ShouldBe(6);
        verdict.Reason!.ShouldContain("is no export's");
    }

    [Fact]
    public void a_checkpoint_that_leaves_out_a_stream_is_refused()
    {
        var lines = Export(statement =>
        {
            statement["streams"] = new JsonArray([.. statement["streams"]!.AsArray().Where(x => x!["streamId"]!.GetValue<Guid>() == CaseId).Select(x => x!.DeepClone())]);
            return statement;
        });

        var verdict = Verify(lines);

        (verdict.Line, verdict.Reason).ShouldBe((6, $"stream {Exhibit} is in the export but not in the checkpoint"));
    }
}
