namespace CaseTracker.Tests.Support;

public static class Repository
{
    /// <summary>The folder holding CaseTracker.sln, found upwards from the test binaries.</summary>
    public static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CaseTracker.sln"))) return dir.FullName;
        }

        throw new DirectoryNotFoundException("CaseTracker.sln not found above the test binaries.");
    }
}
