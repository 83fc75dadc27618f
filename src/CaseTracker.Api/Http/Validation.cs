using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CaseTracker.Api.Http;

/// <summary>
/// Collects field errors for one command and answers them together, keyed by the JSON names
/// clients send, so a client can show every mistake at once.
/// </summary>
/// <param name="clock">the time business times are checked against; rules without one need none</param>
public sealed class Validation(TimeProvider? clock = null)
{
    public const int MaxText = 2000;
    public const int MaxName = 200;
    public const int MaxListItems = 50;

    private readonly Dictionary<string, List<string>> _errors = [];

    public Validation Required<T>(string field, T? value) where T : struct =>
        Rule(value.HasValue, field, "is required");

    public Validation Required(string field, Guid? value) =>
        Rule(value.HasValue && value.Value != Guid.Empty, field, "is required");

    public Validation Text(string field, string? value, int max = MaxName, bool required = true)
    {
        if (value is null || value.Trim().Length == 0)
        {
            return required ? Add(field, "is required") : Rule(value is null, field, "must not be blank");
        }

        return Rule(value.Length <= max, field, $"must be at most {max} characters");
    }

    public Validation Texts(string field, IReadOnlyList<string?>? values, int max = MaxName)
    {
        if (values is null) return this;
        Rule(values.Count <= MaxListItems, field, $"must have at most {MaxListItems} items");
        for (var i = 0; i < values.Count; i++)
        {
            Text($"{field}[{i}]", values[i], max);
        }

        return this;
    }

    public Validation OneOf(string field, string? value, IReadOnlyCollection<string> allowed, bool required = true)
    {
        if (value is null) return required ? Add(field, "is required") : this;
        return Rule(allowed.Contains(value), field, $"must be one of: {string.Join(", ", allowed)}");
    }

    public Validation Positive(string field, decimal? value, decimal max, bool required = true) =>
        value is null
            ? required ? Add(field, "is required") : this
            : Rule(value > 0 && value <= max, field, $"must be greater than 0 and at most {max}");

    /// <summary>An optional figure within bounds, such as a percentage or an uncertainty.</summary>
    public Validation Between(string field, decimal? value, decimal min, decimal max) =>
        value is null ? this : Rule(value >= min && value <= max, field, $"must be from {min} to {max}");

    public Validation Count(string field, int? value, int max = 1_000_000, bool required = true) =>
        value is null
            ? required ? Add(field, "is required") : this
            : Rule(value >= 0 && value <= max, field, $"must be between 0 and {max}");

    /// <summary>A business time: with an offset (the JSON reader insists), not before 1900, not in the future.</summary>
    public Validation Time(string field, DateTimeOffset? value, bool required = true)
    {
        if (value is null) return required ? Add(field, "is required") : this;
        var now = (clock ?? throw new InvalidOperationException("A rule about business times needs the clock: new Validation(clock).")).GetUtcNow();
        return Rule(value.Value.Year >= 1900 && value.Value <= now.Add(FutureTolerance), field,
            "must be a time from 1900 up to now");
    }

    /// <summary>Clocks of field devices drift; a fact is not refused for being a few minutes ahead.</summary>
    private static readonly TimeSpan FutureTolerance = TimeSpan.FromMinutes(10);

    public Validation Rule(bool ok, string field, string message) => ok ? this : Add(field, message);

    private Validation Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var messages))
        {
            _errors[field] = messages = [];
        }

        messages.Add(message);
        return this;
    }

    /// <summary>Wolverine's continuation: <see cref="WolverineContinue.NoProblems"/> lets the command through.</summary>
    public ProblemDetails Result => _errors.Count == 0
        ? WolverineContinue.NoProblems
        : Problems.Validation(_errors.ToDictionary(x => x.Key, x => x.Value.ToArray()));
}
