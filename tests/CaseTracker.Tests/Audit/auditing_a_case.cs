using Alba;
using CaseTracker.Api.Audit;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Defendants;
using CaseTracker.Api.Privacy;
using CaseTracker.Api.Storage;
using CaseTracker.Tests.Support;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Audit;

public class auditing_a_case(AppFixture fixture) : IntegrationContext(fixture)
{
    private Task<HistoryEntry[]> History(Guid caseId, string query = "") =>
        GetJson<HistoryEntry[]>($"/api/cases/{caseId}/events{query}", Roles.Auditor);

    private Task<IntegrityReport> Integrity(Guid caseId) =>
        GetJson<IntegrityReport>($"/api/cases/{caseId}/integrity", Roles.Auditor);

    [Fact]
    public async Task the_history_shows_every_event_with_the_actor_of_the_token_that_posted_it()
    {
        var caseId = await OpenCase();
        await Host.Scenario(x =>
        {
            x.Post.Json(Commands.Tip()).ToUrl($"/api/cases/{caseId}/tips");
            x.WithBearerToken(Fixture.TokenFor(Roles.Officer, "bob", "US Department of Homeland Security"));
        });

        var history = await History(caseId);

        history.Select(e => (e.Version, e.Type)).ShouldBe([(1L, "CaseOpened"), (2L, "TipReceived")]);
        history[0].Actor.ShouldBe(new Actor("test-user", "officer", "Test Agency"));
        history[1].Actor.ShouldBe(new Actor("bob", "officer", "US Department of Homeland Security"));
        history[1].OccurredAt.ShouldBe(DateTimeOffset.Parse("2017-05-20T10:00:00-04:00"));
        history[1].RecordedAt.ShouldBeGreaterThan(history[0].RecordedAt);
        history[1].Data!["subjectAlias"]!.GetValue<string>().ShouldBe("Diana");
        history[0].PreviousHash.ShouldBe(HashChain.Genesis);
        history[1].PreviousHash.ShouldBe(history[0].Hash);
        history[1].Sequence.ShouldBeGreaterThan(history[0].Sequence);
        history.ShouldAllBe(e => e.CorrelationId != null && e.Signature != null);
    }

    [Fact]
    public async Task a_long_history_is_paged_from_a_version()
    {
        var caseId = await OpenCase();
        for (var i = 0; i < 4; i++) await Accepted($"/api/cases/{caseId}/tips", Commands.Tip());

        var result = await Host.Scenario(x =>
        {
            x.Get.Url($"/api/cases/{caseId}/events?fromVersion=2&limit=2");
            x.WithBearerToken(Fixture.TokenFor(Roles.Admin));
            x.Header("Link").SingleValueShouldEqual($"</api/cases/{caseId}/events?fromVersion=4&limit=2>; rel=\"next\"");
        });

        Read<HistoryEntry[]>(result).Select(x => x.Version).ShouldBe([2L, 3L]);
        (await History(caseId, "?fromVersion=4&limit=2")).Select(x => x.Version).ShouldBe([4L, 5L]);
    }

    [Theory]
    [InlineData(Roles.Officer)]
    [InlineData(Roles.Analyst)]
    public async Task history_and_integrity_are_for_auditors_and_admins(string role)
    {
        var caseId = await OpenCase();

        await GetJson<object>($"/api/cases/{caseId}/events", role, 403);
        await GetJson<object>($"/api/cases/{caseId}/integrity", role, 403);
        await GetJson<object>($"/api/cases/{Guid.NewGuid()}/events", Roles.Auditor, 404);
    }

    [Fact]
    public async Task the_case_as_it_stood_at_a_version_when_known_and_as_of_a_business_time()
    {
        var caseId = await OpenCase();
        var defendant = await IdentifyDefendant(caseId);
        var arrest = await Accepted($"/api/cases/{caseId}/arrests", Commands.Arrest(defendant).With("arrestedAt", "2018-08-01T06:00:00+08:00"));
        // Back-dated: seized before the arrest, recorded after it.
        await Accepted($"/api/cases/{caseId}/seizures", Commands.Seizure(2, "kg").With("seizedAt", "2018-07-01T06:00:00+08:00"));
        await Accepted($"/api/cases/{caseId}/retractions", Commands.Retraction(arrest.EntryId!.Value));
        var history = await History(caseId);
        var arrestRecorded = history.Single(e => e.Type == "ArrestMade").RecordedAt;

        var atVersion3 = await GetCase(caseId, Roles.Auditor, "?version=3");
        atVersion3.Version.ShouldBe(3);
        atVersion3.Arrests.Count.ShouldBe(1);
        atVersion3.Seizures.ShouldBeEmpty();

        var known = await GetCase(caseId, Roles.Auditor, $"?knownAt={Uri.EscapeDataString(arrestRecorded.ToString("O"))}");
        known.Arrests.Count.ShouldBe(1, "the system knew of the arrest, not yet of its retraction");
        known.Seizures.ShouldBeEmpty("the seizure was recorded later");

        var asOf = await GetCase(caseId, Roles.Auditor, $"?asOf={Uri.EscapeDataString("2018-07-15T00:00:00+08:00")}");
        asOf.Seizures.Single().Quantity.ShouldBe(2m, "the back-dated seizure had happened by then");
        asOf.Arrests.ShouldBeEmpty();

        var now = await GetCase(caseId, Roles.Auditor);
        (now.Arrests.Count, now.Seizures.Count, now.Version).ShouldBe((0, 1, 5L));
    }

    [Fact]
    public async Task a_defendant_as_they_stood_before_their_sentence()
    {
        var caseId = await OpenCase();
        var liu = await IdentifyDefendant(caseId);
        var charge = (await Accepted($"/api/cases/{caseId}/charges", Commands.Charge(liu))).EntryId!.Value;
        await Accepted($"/api/cases/{caseId}/verdicts", Commands.Verdict(liu, charge));
        await Accepted($"/api/cases/{caseId}/sentences", Commands.Sentence(liu, "life", null));
        await ProjectionsCaughtUp();

        var before = await GetJson<DefendantProfile>($"/api/defendants/{liu}?asOf={Uri.EscapeDataString("2019-11-07T09:30:00+08:00")}", Roles.Auditor);
        before.Status.ShouldBe("convicted");
        before.Sentences.ShouldBeEmpty();

        var verdictSequence = (await History(caseId)).Single(e => e.Type == "VerdictReached").Sequence;
        (await GetJson<DefendantProfile>($"/api/defendants/{liu}?version={verdictSequence - 1}", Roles.Auditor)).Status.ShouldBe("charged");

        var current = await GetJson<DefendantProfile>($"/api/defendants/{liu}", Roles.Auditor);
        current.Status.ShouldBe("sentenced");
        await GetJson<object>($"/api/defendants/{liu}?asOf=2019-11-07T09:30:00Z", Roles.Analyst, 403);
    }

    [Fact]
    public async Task the_database_refuses_to_update_or_delete_an_event()
    {
        var caseId = await OpenCase();
        await using var connection = new NpgsqlConnection(Fixture.ConnectionString);
        await connection.OpenAsync();

        foreach (var sql in new[]
                 {
                     $"update {StoreConfiguration.Schema}.mt_events set data = data || '{{\"title\": \"rewritten\"}}' where stream_id = @id",
                     $"delete from {StoreConfiguration.Schema}.mt_events where stream_id = @id",
                 })
        {
            await using var command = new NpgsqlCommand(sql, connection);
            command.Parameters.AddWithValue("id", caseId);
            var refused = await Should.ThrowAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
            refused.MessageText.ShouldContain("CaseTracker events are immutable");
        }

        (await Integrity(caseId)).Valid.ShouldBeTrue();
    }

    [Fact]
    public async Task an_edit_that_bypasses_the_guard_is_named_by_its_version_even_with_a_recomputed_chain()
    {
        var caseId = await OpenCase();
        for (var i = 0; i < 4; i++) await Accepted($"/api/cases/{caseId}/seizures", Commands.Seizure(1 + i, "kg"));
        (await Integrity(caseId)).ShouldBe(new IntegrityReport(caseId, true, 5, null, null));

        // A superuser edits version 3 and recomputes the plain SHA-256 chain from there on.
        await Tamper($"update {{0}}.mt_events set data = jsonb_set(data, '{{{{quantity}}}}', '30') where stream_id = @id and version = 3", caseId);
        (await Integrity(caseId)).FirstInvalidVersion.ShouldBe(3);

        await RecomputeChain(caseId);
        var report = await Integrity(caseId);
        (report.Valid, report.FirstInvalidVersion).ShouldBe((false, 3L));
        report.Reason.ShouldBe("its hash is not signed with the audit key");
    }

    [Fact]
    public async Task a_removed_or_reordered_event_is_detected()
    {
        var removed = await OpenCase();
        for (var i = 0; i < 3; i++) await Accepted($"/api/cases/{removed}/tips", Commands.Tip());
        await Tamper("delete from {0}.mt_events where stream_id = @id and version = 2", removed);
        (await Integrity(removed)).FirstInvalidVersion.ShouldBe(2);

        var tail = await OpenCase();
        await Accepted($"/api/cases/{tail}/tips", Commands.Tip());
        await Tamper("delete from {0}.mt_events where stream_id = @id and version = 2", tail);
        (await Integrity(tail)).FirstInvalidVersion.ShouldBe(2, "the stream still claims version 2");

        var reordered = await OpenCase();
        await Accepted($"/api/cases/{reordered}/tips", Commands.Tip());
        await Accepted($"/api/cases/{reordered}/seizures", Commands.Seizure());
        await Tamper("update {0}.mt_events set version = -version where stream_id = @id and version in (2, 3); " +
                     "update {0}.mt_events set version = 5 + version where stream_id = @id and version in (-2, -3)", reordered);
        (await Integrity(reordered)).FirstInvalidVersion.ShouldBe(2);
    }

    [Fact]
    public async Task audit_verify_exits_non_zero_and_names_the_broken_case()
    {
        var intact = await OpenCase();
        var broken = await OpenCase();
        await Accepted($"/api/cases/{broken}/tips", Commands.Tip());
        await Tamper("update {0}.mt_events set data = jsonb_set(data, '{{summary}}', '\"nothing\"') where stream_id = @id and version = 2", broken);

        var (exitCode, output, _) = await ApiProcess.Run(ApiProcess.Environment(Fixture), "audit", "verify");

        exitCode.ShouldNotBe(0);
        output.ShouldContain($"INVALID case {broken} at version 2");
        output.ShouldNotContain(intact.ToString());
    }

    [Fact]
    public async Task an_append_from_another_node_in_between_is_chained_to_and_not_skipped()
    {
        var caseId = await OpenCase();
        await Accepted($"/api/cases/{caseId}/tips", Commands.Tip());
        var before = await Integrity(caseId);

        // A second API node: its own store and seal, so this node's memory of the chain's head is stale.
        var key = Host.Services.GetRequiredService<AuditKey>();
        using (var otherNode = DocumentStore.For(opts => opts.ConfigureCaseTracker(Fixture.ConnectionString, new EventSeal(key, TimeProvider.System), Host.Services.GetRequiredService<PersonalKeys>())))
        {
            await using var session = otherNode.LightweightSession();
            session.LastModifiedBy = "node-b";
            var stream = await session.Events.FetchForExclusiveWriting<CaseTracker.Api.Cases.Case>(caseId);
            stream.AppendOne(new TipReceived(Guid.NewGuid(), "Interpol", DateTimeOffset.Parse("2018-08-02T09:00:00+08:00"), "Second node", null, null));
            await session.SaveChangesAsync();
        }

        await Accepted($"/api/cases/{caseId}/tips", Commands.Tip());

        before.Events.ShouldBe(2);
        var report = await Integrity(caseId);
        report.Valid.ShouldBeTrue(report.Reason);
        report.Events.ShouldBe(4);
        var history = await History(caseId);
        history[3].PreviousHash.ShouldBe(history[2].Hash);
    }

    [Fact]
    public async Task archiving_an_event_is_refused_and_one_archived_anyway_is_named_by_its_version()
    {
        var caseId = await OpenCase();
        await Accepted($"/api/cases/{caseId}/tips", Commands.Tip());
        await Accepted($"/api/cases/{caseId}/seizures", Commands.Seizure());

        await using (var connection = new NpgsqlConnection(Fixture.ConnectionString))
        {
            await connection.OpenAsync();
            await using var archive = new NpgsqlCommand(
                $"update {StoreConfiguration.Schema}.mt_events set is_archived = true where stream_id = @id and version = 2", connection);
            archive.Parameters.AddWithValue("id", caseId);
            (await Should.ThrowAsync<PostgresException>(() => archive.ExecuteNonQueryAsync())).MessageText.ShouldContain("CaseTracker events are immutable");
        }

        await Tamper("update {0}.mt_events set is_archived = true where stream_id = @id and version = 2", caseId);

        var report = await Integrity(caseId);
        (report.Valid, report.FirstInvalidVersion).ShouldBe((false, 2L));
        report.Reason!.ShouldContain("archived");
    }

    [Theory]
    [InlineData("timestamp = timestamp - interval '400 days'")]
    [InlineData("correlation_id = 'forged-correlation'")]
    [InlineData("causation_id = 'forged-causation'")]
    [InlineData("headers = headers || '{{\"idempotencyKey\": \"forged\"}}'")]
    [InlineData("headers = headers || '{{\"note\": \"added later\"}}'")]
    [InlineData("user_name = 'mallory'")]
    [InlineData("id = gen_random_uuid()")]
    [InlineData("mt_dotnet_type = 'CaseTracker.Api.Cases.CaseClosed, CaseTracker.Api'")]
    public async Task a_change_to_how_an_event_was_recorded_is_named_by_its_version(string change)
    {
        var caseId = await OpenCase();
        await Accepted($"/api/cases/{caseId}/tips", Commands.Tip(), x => x.WithRequestHeader("Idempotency-Key", $"tip-{caseId}"));
        await Accepted($"/api/cases/{caseId}/seizures", Commands.Seizure());

        await Tamper($"update {{0}}.mt_events set {change} where stream_id = @id and version = 2", caseId);

        var report = await Integrity(caseId);
        (report.Valid, report.FirstInvalidVersion).ShouldBe((false, 2L), report.Reason);
    }

    [Fact]
    public async Task a_stream_cut_short_is_caught_by_a_checkpoint_taken_before()
    {
        var cut = await OpenCase();
        var intact = await OpenCase();
        for (var i = 0; i < 3; i++) await Accepted($"/api/cases/{cut}/tips", Commands.Tip());
        var checkpoint = await GetJson<System.Text.Json.Nodes.JsonObject>("/api/audit/checkpoint", Roles.Auditor);
        checkpoint["streams"]!.AsArray().Select(x => x!["streamId"]!.GetValue<Guid>()).ShouldContain(intact);
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, checkpoint.ToJsonString());
        var publicKey = Path.GetTempFileName();
        await File.WriteAllTextAsync(publicKey, await Host.GetAsText("/.well-known/casetracker-export-key"));

        // The database owner deletes the newest event and lowers the stream's version to match:
        // every remaining link still holds.
        await Tamper("delete from {0}.mt_events where stream_id = @id and version = 4; update {0}.mt_streams set version = 3 where id = @id", cut);
        (await Integrity(cut)).Valid.ShouldBeTrue("the chain alone cannot see a cut tail");

        var (exitCode, output, errors) = await ApiProcess.Run(ApiProcess.Environment(Fixture), "audit", "verify", "--checkpoint", file, "--key", publicKey);
        exitCode.ShouldNotBe(0, errors);
        output.ShouldContain($"INVALID case {cut} at version 4: it is shorter than the checkpoint");
        output.ShouldNotContain($"INVALID case {intact}");

        // A checkpoint edited to match the cut stream no longer carries a valid signature.
        var forged = checkpoint.DeepClone().AsObject();
        var head = forged["streams"]!.AsArray().Single(x => x!["streamId"]!.GetValue<Guid>() == cut)!;
        head["version"] = 3;
        await File.WriteAllTextAsync(file, forged.ToJsonString());
        (exitCode, output, _) = await ApiProcess.Run(ApiProcess.Environment(Fixture), "audit", "verify", "--checkpoint", file);
        exitCode.ShouldNotBe(0);
        output.ShouldContain("its signature does not verify");
    }

    /// <summary>What an attacker without the audit key can do: make every plain hash consistent again.</summary>
    private async Task RecomputeChain(Guid caseId)
    {
        var rows = await StoredEvents.ReadAsync(Fixture.Store, caseId, 1, 1000, CancellationToken.None);
        var previous = HashChain.Genesis;
        foreach (var row in rows)
        {
            var hash = HashChain.Next(previous, row.Chained(Fixture.Store.Options.Serializer())!.Canonical());
            await Tamper($"update {{0}}.mt_events set headers = headers || jsonb_build_object('previousHash', '{previous}', 'hash', '{hash}') " +
                         $"where stream_id = @id and version = {row.Version}", caseId);
            previous = hash;
        }
    }
}
