namespace EventActors.Actors.Journal;

/// <summary>
/// One write (append, trim, delete, create) on its way through the writer: what to do inside a
/// group transaction, and the task its caller awaits. The task is completed only after the
/// transaction that ran the write has committed, or once the write has failed.
/// </summary>
internal abstract class WriteCommand : IGroupedWrite
{
    /// <summary>Events this write adds, for <see cref="SqliteJournalOptions.MaxEventsPerTransaction"/>; 1 for the others.</summary>
    public abstract int Weight { get; }

    /// <summary>Every SQLite write joins the group in its turn: a savepoint keeps each one's failure its own.</summary>
    public bool SharesTransaction => true;

    /// <summary>Runs the write inside the open transaction; returns its result or throws its failure.</summary>
    public abstract object Execute(SqliteWriteSession session, DateTimeOffset now);

    /// <summary>Completes the caller's task with a result from <see cref="Execute"/> or an exception.</summary>
    public abstract void Complete(object outcome);
}

internal sealed class WriteCommand<T>(int weight, Func<SqliteWriteSession, DateTimeOffset, T> write) : WriteCommand
{
    // Continuations run asynchronously so that a caller's code never runs on the writer's thread.
    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<T> Task => _completion.Task;

    public override int Weight => weight;

    public override object Execute(SqliteWriteSession session, DateTimeOffset now) => write(session, now) is { } result ? result : NoResult.Instance;

    public override void Complete(object outcome)
    {
        switch (outcome)
        {
            case Exception failure:
                _completion.TrySetException(failure);
                break;
            case NoResult:
                _completion.TrySetResult(default!);
                break;
            default:
                _completion.TrySetResult((T)outcome);
                break;
        }
    }
}

/// <summary>Stands for a null result on its way from a write to its caller (an outcome of null would read as "no outcome").</summary>
internal sealed class NoResult
{
    public static readonly NoResult Instance = new();
}
