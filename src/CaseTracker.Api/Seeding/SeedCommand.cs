using System.Net.Http.Headers;
using CaseTracker.Api.Auth;
using JasperFx.CommandLine;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace CaseTracker.Api.Seeding;

public class SeedInput : NetCoreInput
{
    [Description("Seed files or folders (default: the repository's seeds/ folder)")]
    public string? PathFlag { get; set; }
}

/// <summary>
/// Loads the seed cases through the API itself, on a loopback port, as the user <c>seed</c>: the
/// same validation, hash chain and read models as any officer's commands. Every step carries its
/// key as Idempotency-Key, so a second run appends nothing.
/// </summary>
[Description("Appends the seed cases in seeds/ through the API's own command path; running it twice adds nothing")]
public class SeedCommand : JasperFxAsyncCommand<SeedInput>
{
    public const string User = "seed";

    public override async Task<bool> Execute(SeedInput input)
    {
        var files = SeedFiles(input.PathFlag);
        if (files.Count == 0)
        {
            await Console.Error.WriteLineAsync("No seed files found; pass --path.");
            return false;
        }

        var host = input.BuildHost();
        if (host is WebApplication web)
        {
            web.Urls.Clear();
            web.Urls.Add("http://127.0.0.1:0");
        }

        await host.StartAsync();
        try
        {
            var address = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var issuer = host.Services.GetRequiredService<TokenIssuer>();
            var appended = 0;
            foreach (var file in files)
            {
                var seed = SeedFile.Load(file);
                using var client = new HttpClient { BaseAddress = new Uri(address) };
                client.DefaultRequestHeaders.Authorization =
                    new AuthenticationHeaderValue("Bearer", issuer.Issue(User, Roles.Officer, seed.Agency, TimeSpan.FromHours(1)));
                appended += await SeedLoader.Load(client, seed, Path.GetFileName(file));
            }

            await Console.Error.WriteLineAsync($"Seed loaded: {appended} events appended.");
            return true;
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private static List<string> SeedFiles(string? path)
    {
        var target = path ?? FindSeedsFolder();
        if (target is null) return [];
        return File.Exists(target) ? [target] : [.. Directory.GetFiles(target, "*.json").Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// seeds/ at the repository root, found from the working directory upwards; or, in a published
    /// image, beside the application.
    /// </summary>
    internal static string? FindSeedsFolder()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            var seeds = Path.Combine(dir.FullName, "seeds");
            if (Directory.Exists(seeds) && File.Exists(Path.Combine(dir.FullName, "CaseTracker.sln"))) return seeds;
        }

        var published = Path.Combine(AppContext.BaseDirectory, "seeds");
        return Directory.Exists(published) ? published : null;
    }
}
