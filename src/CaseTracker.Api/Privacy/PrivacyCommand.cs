using JasperFx.CommandLine;
using Marten;

namespace CaseTracker.Api.Privacy;

public class PrivacyInput : NetCoreInput
{
    [Description("rewrap: wrap every data key again under Privacy:MasterKey, unwrapping with Privacy:PreviousMasterKey where needed")]
    public string Action { get; set; } = "rewrap";
}

/// <summary>The step of a master key rotation that touches the database (docs/privacy.md).</summary>
[Description("privacy rewrap: wraps every personal data key again under the current Privacy:MasterKey")]
public class PrivacyCommand : JasperFxAsyncCommand<PrivacyInput>
{
    private const int Page = 1000;

    public override async Task<bool> Execute(PrivacyInput input)
    {
        if (input.Action != "rewrap")
        {
            await Console.Error.WriteLineAsync("usage: privacy rewrap");
            return false;
        }

        using var host = input.BuildHost();
        var store = host.Services.GetRequiredService<IDocumentStore>();
        var master = host.Services.GetRequiredService<MasterKey>();
        var table = store.Options.FindOrResolveDocumentType(typeof(PersonalKey)).TableName.QualifiedName;

        var (seen, rewrapped) = (0, 0);
        for (var offset = 0; ; offset += Page)
        {
            await using var session = store.LightweightSession();
            var keys = await session.Query<PersonalKey>().OrderBy(x => x.Id).Skip(offset).Take(Page).ToListAsync();
            foreach (var key in keys.Where(x => x.Wrapped is not null && !master.IsCurrent(x.Id, x.Wrapped)))
            {
                // Only if the row still holds what was read: a key an expungement destroyed meanwhile stays destroyed.
                session.QueueSqlCommand(
                    $"update {table} set data = jsonb_set(data, '{{wrapped}}', to_jsonb(?::text)) where id = ? and data ->> 'wrapped' = ?",
                    master.Wrap(key.Id, master.Unwrap(key.Id, key.Wrapped!)), key.Id, key.Wrapped!);
                rewrapped++;
            }

            await session.SaveChangesAsync();
            seen += keys.Count;
            if (keys.Count < Page) break;
        }

        Console.WriteLine($"{seen} keys read, {rewrapped} wrapped again under the current master key");
        return true;
    }
}
