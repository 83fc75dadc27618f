using Microsoft.AspNetCore.Mvc;

namespace CaseTracker.Api.Http;

/// <summary>The problem documents CaseTracker answers with, so every rejection reads the same way.</summary>
public static class Problems
{
    public static ProblemDetails Validation(IDictionary<string, string[]> errors) => new()
    {
        Status = StatusCodes.Status400BadRequest,
        Title = "The request is not valid",
        Detail = "See errors for what to correct; nothing was recorded.",
        Extensions = { ["errors"] = errors }
    };

    public static ProblemDetails Invalid(string field, string message) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] });

    /// <summary>The title is the one ASP.NET Core gives a bare 404, so that every 404 reads alike.</summary>
    public static ProblemDetails NotFound(string detail) => new()
    {
        Status = StatusCodes.Status404NotFound,
        Title = "Not Found",
        Detail = detail
    };

    /// <summary>
    /// What a case that does not exist and a case the caller may not see both answer: word for word
    /// the same, so that nobody learns a restricted case exists by comparing answers.
    /// </summary>
    public static ProblemDetails NoCase(Guid caseId) => NotFound($"No case {caseId}.");

    /// <summary>
    /// An exhibit that does not exist and one of a case the caller may not see: word for word the
    /// same, as for cases (<see cref="NoCase"/>).
    /// </summary>
    public static ProblemDetails NoExhibit(Guid exhibitId) => NotFound($"No exhibit {exhibitId}.");

    /// <summary>
    /// A person nobody identified, one known only from cases the caller may not see, and one sealed
    /// from them: word for word the same, wherever they are named.
    /// </summary>
    public static ProblemDetails NoDefendant(Guid defendantId) => NotFound($"No defendant {defendantId} has been identified in any case.");

    /// <param name="stream">what was recorded against: "case", "exhibit"</param>
    public static ProblemDetails Conflict(string detail, string stream = "case") => new()
    {
        Status = StatusCodes.Status409Conflict,
        Title = $"Conflict with the {stream} as recorded",
        Detail = detail
    };

    public static ProblemDetails PreconditionFailed(long expected, long actual, string stream = "case") => new()
    {
        Status = StatusCodes.Status412PreconditionFailed,
        Title = $"The {stream} has moved on",
        Detail = $"If-Match named version {expected} but the {stream} is at version {actual}; nothing was recorded.",
        Extensions = { ["currentVersion"] = actual }
    };

    public static ProblemDetails StaleAtCommit() => new()
    {
        Status = StatusCodes.Status412PreconditionFailed,
        Title = "The case has moved on",
        Detail = "Another writer appended to the case first; nothing was recorded. Read the case again."
    };
}
