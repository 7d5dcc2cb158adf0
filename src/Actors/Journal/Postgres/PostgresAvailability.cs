namespace EventActors.Actors.Journal.Postgres;

/// <summary>
/// Whether the journal's database can be reached, shared by the journal (which fails calls at
/// once while it cannot) and its writer (which finds out, and finds it again).
/// </summary>
internal sealed class PostgresAvailability
{
    private volatile Exception? _cause;

    /// <summary>Why the database is unreachable, or null while it is reachable.</summary>
    public Exception? Cause => _cause;

    public bool IsReachable => _cause is null;

    public void MarkUnreachable(Exception cause) => _cause = cause;

    public void MarkReachable() => _cause = null;

    /// <summary>The error a call gets while the database is unreachable; says what happened and what to do.</summary>
    public static JournalUnreachableException Unreachable(Exception? cause, bool outcomeUnknown) =>
        new(outcomeUnknown
                ? $"The PostgreSQL journal lost its connection while committing this write ({cause?.Message}); it may or may not have been committed. The journal reconnects by itself; retry (with the same idempotency keys) later."
                : $"The PostgreSQL journal cannot reach its database ({cause?.Message}); nothing was written. The journal reconnects by itself; retry later.",
            outcomeUnknown, cause);
}
