namespace CaseTracker.Api.Http;

/// <summary>
/// One page of a list, as every list endpoint reads <c>page</c> and <c>pageSize</c>. Pages are
/// bounded so that the rows skipped, (page - 1) × size, always fit the int that Marten and LINQ
/// take; an unbounded page overflowed into a 500 or wrapped round to page 1.
/// </summary>
public readonly record struct Paging(int Page, int Size)
{
    public const int DefaultSize = 50;

    /// <summary>Larger pages are capped rather than refused, so a dashboard asking for "everything" still works.</summary>
    public const int MaxSize = 200;

    public const int MaxPage = 1_000_000;

    public int Skip => (Page - 1) * Size;

    /// <summary>The page asked for, once <see cref="PagingRules.Page"/> has passed it.</summary>
    public static Paging Of(int? page, int? pageSize) => new(page ?? 1, Math.Min(pageSize ?? DefaultSize, MaxSize));
}

public static class PagingRules
{
    public static Validation Page(this Validation validation, int? page, int? pageSize) => validation
        .Rule(page is null or >= 1 and <= Paging.MaxPage, "page", $"must be from 1 to {Paging.MaxPage}")
        .Rule(pageSize is null or >= 1, "pageSize", "must be 1 or more");
}
