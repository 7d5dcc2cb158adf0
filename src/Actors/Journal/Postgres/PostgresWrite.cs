namespace EventActors.Actors.Journal.Postgres;

/// <summary>
/// One write on its way through the PostgreSQL writer, and the task its caller awaits. Appends
/// are grouped into one transaction with the appends around them; the other writes (create,
/// trim, delete) are rare and run alone, each in its own transaction, in the order received.
/// </summary>
internal abstract class PostgresWrite : IGroupedWrite
{
    /// <summary>Events this write adds, for <see cref="PostgresJournalOptions.MaxEventsPerTransaction"/>; 1 for the others.</summary>
    public abstract int Weight { get; }

    public bool SharesTransaction => this is AppendWrite;

    /// <summary>Completes the caller's task with a result or an exception.</summary>
    public abstract void Complete(object outcome);
}

/// <summary>An append: the only write that joins a group commit.</summary>
internal sealed class AppendWrite(AppendRequest request) : PostgresWrite
{
    // Continuations run asynchronously so that a caller's code never runs on the write loop.
    private readonly TaskCompletionSource<AppendResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public AppendRequest Request { get; } = request;

    public Task<AppendResult> Task => _completion.Task;

    public override int Weight => Request.Events.Count;

    public override void Complete(object outcome)
    {
        if (outcome is Exception failure)
        {
            _completion.TrySetException(failure);
        }
        else
        {
            _completion.TrySetResult((AppendResult)outcome);
        }
    }
}

/// <summary>A write that runs in a transaction of its own: create, trim or delete.</summary>
internal abstract class SoloWrite : PostgresWrite
{
    public override int Weight => 1;

    public abstract Task<object?> RunAsync(PostgresWriteSession session, DateTimeOffset now);
}

internal sealed class SoloWrite<T>(Func<PostgresWriteSession, DateTimeOffset, Task<T>> run) : SoloWrite
{
    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<T> Task => _completion.Task;

    public override async Task<object?> RunAsync(PostgresWriteSession session, DateTimeOffset now) => await run(session, now).ConfigureAwait(false);

    public override void Complete(object outcome)
    {
        if (outcome is Exception failure)
        {
            _completion.TrySetException(failure);
        }
        else
        {
            _completion.TrySetResult((T)(outcome is NoResult ? default! : outcome));
        }
    }
}

/// <summary>
/// The reconnection's probe of the write connection while the database is unreachable: queued
/// like a write, so that it never overlaps a group. Its task holds null, or the failure.
/// </summary>
internal sealed class Probe : PostgresWrite
{
    private readonly TaskCompletionSource<Exception?> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<Exception?> Task => _completion.Task;

    public override int Weight => 1;

    public async Task<object> RunAsync(PostgresWriteSession session)
    {
        try
        {
            await session.ProbeAsync().ConfigureAwait(false);
            return NoResult.Instance;
        }
        catch (Exception failure)
        {
            return failure;
        }
    }

    public override void Complete(object outcome) => _completion.TrySetResult(outcome as Exception);
}
