namespace CaseTracker.Tests.Support;

/// <summary>Valid command bodies, as a client would send them; tests change what they are about.</summary>
public static class Commands
{
    public const string At = "2018-08-01T06:00:00+08:00";

    public static Dictionary<string, object?> OpenCase(string reference) => new()
    {
        ["reference"] = reference,
        ["title"] = "Xingtai fentanyl network",
        ["leadAgency"] = "Xingtai PSB",
        ["jurisdiction"] = "Hebei, CN",
        ["partnerAgencies"] = new[] { "US Department of Homeland Security" },
        ["openedAt"] = "2017-06-01T09:00:00+08:00",
    };

    public static Dictionary<string, object?> Tip() => new()
    {
        ["fromAgency"] = "US Department of Homeland Security",
        ["receivedAt"] = "2017-05-20T10:00:00-04:00",
        ["summary"] = "Online vendor 'Diana' shipping fentanyl to the US",
        ["subjectAlias"] = "Diana",
    };

    public static Dictionary<string, object?> Arrest(Guid defendantId) => new()
    {
        ["defendantId"] = defendantId,
        ["arrestedAt"] = At,
        ["place"] = "Xingtai",
        ["agency"] = "Xingtai PSB",
    };

    public static Dictionary<string, object?> Seizure(decimal quantity = 11.9m, string unit = "kg", string substance = "fentanyl") => new()
    {
        ["substance"] = substance,
        ["quantity"] = quantity,
        ["unit"] = unit,
        ["seizedAt"] = At,
        ["place"] = "Xingtai laboratory",
        ["evidenceRef"] = "EV-1",
    };

    public static Dictionary<string, object?> Charge(Guid defendantId) => new()
    {
        ["defendantId"] = defendantId,
        ["offence"] = "Manufacturing and trafficking of drugs",
        ["filedAt"] = "2019-01-10T09:00:00+08:00",
        ["statute"] = "PRC Criminal Law art. 347",
    };

    public static Dictionary<string, object?> Verdict(Guid defendantId, Guid chargeId, string verdict = "guilty") => new()
    {
        ["defendantId"] = defendantId,
        ["chargeId"] = chargeId,
        ["verdict"] = verdict,
        ["reachedAt"] = "2019-11-07T09:00:00+08:00",
        ["court"] = "Xingtai Intermediate People's Court",
    };

    public static Dictionary<string, object?> Sentence(Guid defendantId, string kind = "fixed-term", int? termMonths = 120, int? reprieveYears = null) => new()
    {
        ["defendantId"] = defendantId,
        ["kind"] = kind,
        ["handedAt"] = "2019-11-07T10:00:00+08:00",
        ["court"] = "Xingtai Intermediate People's Court",
        ["termMonths"] = termMonths,
        ["reprieveYears"] = reprieveYears,
    };

    public static Dictionary<string, object?> Commutation(string toKind = "life", int? termMonths = null) => new()
    {
        ["toKind"] = toKind,
        ["commutedAt"] = "2021-11-07T10:00:00+08:00",
        ["reason"] = "Reprieve served without intentional crime",
        ["termMonths"] = termMonths,
    };

    public static Dictionary<string, object?> Referral(int subjects = 50) => new()
    {
        ["toAgency"] = "US Department of Homeland Security",
        ["jurisdiction"] = "US",
        ["subjectsIdentified"] = subjects,
        ["referredAt"] = "2019-11-07T12:00:00+08:00",
        ["summary"] = "US residents who tried to buy from the Xingtai organisation",
    };

    public static Dictionary<string, object?> Outcome(int investigations = 25, int arrests = 3, int indictments = 3) => new()
    {
        ["reportedAt"] = "2019-11-08T12:00:00-05:00",
        ["investigationsOpened"] = investigations,
        ["arrests"] = arrests,
        ["indictments"] = indictments,
        ["jurisdictions"] = new[] { "New York", "Oregon" },
    };

    public static Dictionary<string, object?> Link(Guid linkedCaseId, string relation = "related-network") => new()
    {
        ["linkedCaseId"] = linkedCaseId,
        ["relation"] = relation,
        ["note"] = "One of three networks pursued on US intelligence",
    };

    public static Dictionary<string, object?> Retraction(Guid entryId) => new()
    {
        ["entryId"] = entryId,
        ["reason"] = "Recorded against the wrong person",
    };

    public static Dictionary<string, object?> Closure() => new()
    {
        ["closedAt"] = "2019-12-01T09:00:00+08:00",
        ["disposition"] = "Nine defendants sentenced",
    };

    /// <summary>An exhibit of <paramref name="seizureId"/>, held by the evidence store; seal numbers must differ across tests.</summary>
    public static Dictionary<string, object?> Exhibit(Guid seizureId, string exhibitNumber = "XT-1/1", string? sealNumber = null, decimal grossGrams = 1012.5m) => new()
    {
        ["seizureId"] = seizureId,
        ["exhibitNumber"] = exhibitNumber,
        ["sealNumber"] = sealNumber ?? $"S-{Guid.NewGuid():N}"[..18].ToUpperInvariant(),
        ["description"] = "White powder in a heat-sealed bag, about 1 kg",
        ["grossGrams"] = grossGrams,
        ["loggedAt"] = "2018-08-01T09:00:00+08:00",
        ["custodian"] = EvidenceStore,
        ["location"] = "Xingtai PSB evidence store, shelf 4",
    };

    public const string EvidenceStore = "Xingtai PSB evidence store";
    public const string Laboratory = "Hebei Provincial Forensic Laboratory";

    public static Dictionary<string, object?> Transfer(
        string from, string to, string purpose, string transferredAt, bool sealIntact = true, decimal? observedGrossGrams = null) => new()
    {
        ["from"] = from,
        ["to"] = to,
        ["purpose"] = purpose,
        ["transferredAt"] = transferredAt,
        ["sealIntact"] = sealIntact,
        ["observedGrossGrams"] = observedGrossGrams,
    };

    public static Dictionary<string, object?> LabResult(decimal netGrams = 998.2m, string substance = "Fentanyl", string reportedAt = "2018-08-20T16:00:00+08:00") => new()
    {
        ["laboratory"] = Laboratory,
        ["labNumber"] = "HB-2018-0815",
        ["reportedAt"] = reportedAt,
        ["substance"] = substance,
        ["netGrams"] = netGrams,
        ["netGramsUncertainty"] = 0.4m,
        ["purityPercent"] = 41.5m,
        ["methods"] = new[] { "GC-MS", "FTIR" },
    };

    public static Dictionary<string, object?> Disposal(string disposedAt = "2020-03-01T10:00:00+08:00") => new()
    {
        ["disposedAt"] = disposedAt,
        ["method"] = "destroyed",
        ["authority"] = "Order of the Xingtai Intermediate People's Court (2020) Ji 05 No. 17",
        ["witnesses"] = new[] { "Officer Zhang", "Prosecutor Li" },
    };

    public static Dictionary<string, object?> Sealing(string orderRef = "SC-2024-0117") => new()
    {
        ["orderRef"] = orderRef,
        ["court"] = "Xingtai Intermediate People's Court",
        ["sealedAt"] = "2024-03-01T09:00:00+08:00",
        ["reason"] = "Acquitted; record sealed on application",
    };

    public static Dictionary<string, object?> Lifting(string orderRef = "SC-2024-0117-L") => new()
    {
        ["orderRef"] = orderRef,
        ["liftedAt"] = "2024-06-01T09:00:00+08:00",
    };

    public static Dictionary<string, object?> Expungement(string orderRef = "EX-2024-0042") => new()
    {
        ["orderRef"] = orderRef,
        ["court"] = "Xingtai Intermediate People's Court",
        ["expungedAt"] = "2024-09-01T09:00:00+08:00",
    };

    public static Dictionary<string, object?> With(this Dictionary<string, object?> body, string field, object? value)
    {
        var copy = new Dictionary<string, object?>(body) { [field] = value };
        return copy;
    }

    public static Dictionary<string, object?> Without(this Dictionary<string, object?> body, string field)
    {
        var copy = new Dictionary<string, object?>(body);
        copy.Remove(field);
        return copy;
    }
}
