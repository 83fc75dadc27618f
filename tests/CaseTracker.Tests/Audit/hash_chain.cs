using CaseTracker.Api.Audit;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Audit;

public class hash_chain
{
    private static readonly Actor Alice = new("alice", "officer", "Xingtai PSB");
    private static readonly DateTimeOffset At = DateTimeOffset.Parse("2018-08-01T06:00:00+08:00");

    [Fact]
    public void the_canonical_form_ignores_key_order_whitespace_and_number_spelling()
    {
        // What the serializer wrote at append time, and what PostgreSQL's jsonb gives back later.
        var appended = HashChain.Canonical("drugs_seized", """{"unit":"kg","quantity":11.90,"place":"lab"}""", At, Alice, 4);
        var stored = HashChain.Canonical("drugs_seized", """{"place": "lab", "quantity": 11.9, "unit": "kg"}""", At, Alice, 4);

        stored.ShouldBe(appended);
    }

    [Theory]
    [InlineData("drugs_seized", """{"unit":"kg","quantity":12,"place":"lab"}""", "alice", 4)]
    [InlineData("arrest_made", """{"unit":"kg","quantity":11.9,"place":"lab"}""", "alice", 4)]
    [InlineData("drugs_seized", """{"unit":"kg","quantity":11.9,"place":"lab"}""", "mallory", 4)]
    [InlineData("drugs_seized", """{"unit":"kg","quantity":11.9,"place":"lab"}""", "alice", 5)]
    public void any_change_to_type_data_actor_or_version_changes_the_hash(string type, string data, string user, long version)
    {
        var original = HashChain.Next(HashChain.Genesis, HashChain.Canonical("drugs_seized", """{"unit":"kg","quantity":11.9,"place":"lab"}""", At, Alice, 4));

        var changed = HashChain.Next(HashChain.Genesis, HashChain.Canonical(type, data, At, Alice with { User = user }, version));

        changed.ShouldNotBe(original);
    }

    [Fact]
    public void the_hash_depends_on_the_predecessor()
    {
        var canonical = HashChain.Canonical("tip_received", "{}", At, Alice, 2);

        HashChain.Next(HashChain.Genesis, canonical).ShouldNotBe(HashChain.Next(new string('1', 64), canonical));
        HashChain.Genesis.ShouldBe(new string('0', 64));
    }

    [Theory]
    [InlineData("streamId")]
    [InlineData("eventId")]
    [InlineData("dotNetType")]
    [InlineData("recordedAt")]
    [InlineData("correlationId")]
    [InlineData("causationId")]
    [InlineData("headers")]
    public void the_second_seal_covers_how_the_event_was_recorded(string changed)
    {
        var recording = new Recording(Guid.Parse("0195a3f4-0000-7000-8000-000000000001"), Guid.Parse("0195a3f4-0000-7000-8000-000000000002"),
            "CaseTracker.Api.Cases.TipReceived, CaseTracker.Api", At.AddDays(1), "correlation", "causation",
            new System.Text.Json.Nodes.JsonObject { ["agency"] = "Xingtai PSB", ["seal"] = "2" });
        var altered = changed switch
        {
            "streamId" => recording with { StreamId = Guid.NewGuid() },
            "eventId" => recording with { EventId = Guid.NewGuid() },
            "dotNetType" => recording with { DotNetType = "CaseTracker.Api.Cases.CaseClosed, CaseTracker.Api" },
            "recordedAt" => recording with { RecordedAt = recording.RecordedAt.AddDays(-400) },
            "correlationId" => recording with { CorrelationId = "forged" },
            "causationId" => recording with { CausationId = null },
            _ => recording with { Headers = new System.Text.Json.Nodes.JsonObject { ["agency"] = "Xingtai PSB", ["seal"] = "2", ["note"] = "x" } },
        };

        HashChain.Canonical("tip_received", "{}", At, Alice, 2, altered).ShouldNotBe(HashChain.Canonical("tip_received", "{}", At, Alice, 2, recording));
        HashChain.Canonical("tip_received", "{}", At, Alice, 2, recording).ShouldNotBe(HashChain.Canonical("tip_received", "{}", At, Alice, 2));
    }
}
