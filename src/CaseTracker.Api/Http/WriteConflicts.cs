using JasperFx;
using Marten.Exceptions;
using Npgsql;

namespace CaseTracker.Api.Http;

/// <summary>
/// Failures at commit that mean another writer got there first: a stream moved past the version a
/// command was decided on, or a unique key (case reference, seal number, idempotency key) was taken.
/// </summary>
public static class WriteConflicts
{
    public static bool IsConflict(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is ConcurrencyException or DocumentAlreadyExistsException or ExistingStreamIdCollisionException or StreamLockedException
                or Privacy.ExpungedMeanwhileException) return true;
            if (e is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.SerializationFailure }) return true;
        }

        return false;
    }

    /// <summary>Another writer took a unique key first (a case reference, a seal number, an idempotency key).</summary>
    public static bool IsKeyTaken(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is DocumentAlreadyExistsException or PostgresException { SqlState: PostgresErrorCodes.UniqueViolation }) return true;
        }

        return false;
    }

    /// <summary>PostgreSQL is down, restarting or unreachable: the client should come back later.</summary>
    public static bool IsDatabaseUnavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException pg when pg.SqlState.StartsWith("08", StringComparison.Ordinal)
                                               || pg.SqlState.StartsWith("57P", StringComparison.Ordinal)
                                               || pg.SqlState == PostgresErrorCodes.TooManyConnections:
                case NpgsqlException { IsTransient: true }:
                case System.Net.Sockets.SocketException:
                case TimeoutException:
                    return true;
            }
        }

        return false;
    }
}
