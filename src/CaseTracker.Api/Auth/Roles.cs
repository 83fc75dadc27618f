namespace CaseTracker.Api.Auth;

/// <summary>The roles of docs/security.md, as carried in the token's <c>role</c> claim.</summary>
public static class Roles
{
    public const string Officer = "officer";
    public const string Auditor = "auditor";
    public const string Analyst = "analyst";
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All = [Officer, Auditor, Analyst, Admin];
}

/// <summary>What each kind of route requires; every /api endpoint names one of these.</summary>
public static class Policies
{
    /// <summary>Post commands: officers only. Auditors, analysts and admins post nothing.</summary>
    public const string Record = "record";

    /// <summary>Read projections: cases, defendants, stats.</summary>
    public const string ReadCases = "read-cases";

    /// <summary>Event history, time travel and integrity.</summary>
    public const string ReadHistory = "read-history";

    /// <summary>
    /// The prosecution case file: what officers take to court and auditors check. Analysts read
    /// projections only, and the case file carries the history.
    /// </summary>
    public const string ReadCaseFile = "read-case-file";

    /// <summary>Operations endpoints.</summary>
    public const string Operate = "operate";

    /// <summary>Court orders about a person (sealing, expungement): records staff, who hold the admin role.</summary>
    public const string RecordOrders = "record-orders";

    /// <summary>
    /// Merging people and reversing a merge: officers, who know the people, and admins (records
    /// staff). Auditors and analysts read; they do not change who is who.
    /// </summary>
    public const string MergePeople = "merge-people";

    public static readonly IReadOnlyDictionary<string, string[]> RolesFor = new Dictionary<string, string[]>
    {
        [Record] = [Roles.Officer],
        [ReadCases] = [Roles.Officer, Roles.Auditor, Roles.Analyst, Roles.Admin],
        [ReadHistory] = [Roles.Auditor, Roles.Admin],
        [ReadCaseFile] = [Roles.Officer, Roles.Auditor, Roles.Admin],
        [Operate] = [Roles.Admin],
        [RecordOrders] = [Roles.Admin],
        [MergePeople] = [Roles.Officer, Roles.Admin],
    };
}
