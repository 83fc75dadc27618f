using JasperFx.Events;

namespace CaseTracker.Api.Audit;

/// <summary>
/// Every event CaseTracker appends, to a case's stream or to an exhibit's, says when what it
/// records happened (its business time): the hash chain covers that time, history shows it and
/// time travel's <c>asOf</c> bounds by it. Implemented explicitly, so that it never reaches the
/// stored JSON twice.
/// </summary>
public interface IFact
{
    DateTimeOffset OccurredAt { get; }
}

/// <summary>
/// The last fact a stream takes: after it every command on the stream is refused (a closed case, a
/// disposed exhibit). Such a stream may be archived once the fact has stood for
/// <c>Archive:ClosedForDays</c>, and the chain check accepts an archived stream only when it ends
/// with one (docs/archiving.md).
/// </summary>
public interface IFinalFact;

public static class FinalFacts
{
    /// <summary>
    /// The stored type names (<c>mt_events.type</c>, which every seal hashes) of the closing events:
    /// what the archive looks for, the chain check accepts at the end of an archived stream and the
    /// guard requires before it lets a stream's row into the archived partition.
    /// </summary>
    public static IReadOnlyList<string> EventTypeNames { get; } = [.. typeof(IFinalFact).Assembly.GetTypes()
        .Where(type => type.IsClass && typeof(IFinalFact).IsAssignableFrom(type))
        .Select(type => type.GetEventTypeName())
        .Order(StringComparer.Ordinal)];
}
