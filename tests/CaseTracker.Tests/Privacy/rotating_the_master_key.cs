using CaseTracker.Api.Auth;
using CaseTracker.Api.Privacy;
using CaseTracker.Tests.Support;
using Marten;
using Shouldly;
using Xunit;

namespace CaseTracker.Tests.Privacy;

/// <summary>Its own database: for a moment its keys are wrapped by a master key its host does not hold.</summary>
public sealed class RotationFixture : AppFixture;

[CollectionDefinition(Name)]
public sealed class RotationCollection : ICollectionFixture<RotationFixture>
{
    public const string Name = "master key rotation";
}

[Collection(RotationCollection.Name)]
public class rotating_the_master_key(RotationFixture fixture) : IntegrationContext(fixture)
{
    private const string NewKey = "casetracker-tests-privacy-master-key-rotated-0123456789";

    [Fact]
    public async Task rewrap_moves_every_key_to_the_new_master_key_and_leaves_destroyed_ones_destroyed()
    {
        var caseId = await OpenCase();
        var kept = await IdentifyDefendant(caseId, "Kept Person");
        var expunged = await IdentifyDefendant(caseId, "Expunged Person");
        await Accepted($"/api/cases/{caseId}/tips", Commands.Tip());
        await Post($"/api/defendants/{expunged}/expungement", Commands.Expungement(), 200, Roles.Admin);

        var (exitCode, output, errors) = await Rewrap(master: NewKey, previous: AppFixture.MasterKey);
        exitCode.ShouldBe(0, output + errors);
        var keys = await Keys();
        output.ShouldContain($"{keys.Count} keys read, {keys.Count(x => x.Wrapped is not null)} wrapped again");
        keys.Single(x => x.Id == expunged).Wrapped.ShouldBeNull("a destroyed key is not brought back");
        foreach (var key in keys.Where(x => x.Wrapped is not null))
        {
            new MasterKey(NewKey).IsCurrent(key.Id, key.Wrapped!).ShouldBeTrue();
            new MasterKey(AppFixture.MasterKey).IsCurrent(key.Id, key.Wrapped!).ShouldBeFalse();
        }

        (exitCode, output, errors) = await Rewrap(master: AppFixture.MasterKey, previous: NewKey);
        exitCode.ShouldBe(0, output + errors);
        var details = await GetCase(caseId, Roles.Auditor, "?version=4");
        details.Defendants.Single(x => x.DefendantId == kept).Name.ShouldBe("Kept Person", "the host's master key reads every key again");
        details.Defendants.Single(x => x.DefendantId == expunged).Name.ShouldBe(Withheld.Expunged);
    }

    private Task<(int ExitCode, string Output, string Errors)> Rewrap(string master, string previous)
    {
        var environment = ApiProcess.Environment(Fixture);
        environment["Privacy__MasterKey"] = master;
        environment["Privacy__PreviousMasterKey"] = previous;
        return ApiProcess.Run(environment, "privacy", "rewrap");
    }

    private async Task<IReadOnlyList<PersonalKey>> Keys()
    {
        await using var session = Fixture.Store.QuerySession();
        return await session.Query<PersonalKey>().ToListAsync();
    }
}
