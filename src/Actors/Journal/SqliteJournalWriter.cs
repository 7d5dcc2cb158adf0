using Akka.Actor;
using Microsoft.Extensions.Logging;

namespace EventActors.Actors.Journal;

/// <summary>
/// The single writer of a SQLite journal: SQLite allows one write transaction at a time, so one
/// actor owns the write connection and turns the writes that reach it into group commits.
/// </summary>
/// <remarks>
/// <para>While a transaction is in flight, the writes that arrive wait in <c>_pending</c>; when it
/// commits, everything waiting (up to <see cref="SqliteJournalOptions.MaxEventsPerTransaction"/>
/// events) goes into the next one. So under load each commit, and each fsync, carries many
/// writes from many topics, and when idle a write is committed at once.</para>
/// <para>The SQL runs on a <see cref="DedicatedThread"/>; its outcome comes back as a message
/// (<c>PipeTo</c>), so this actor's state only ever changes inside its own turns. Callers' tasks
/// are completed here, after COMMIT.</para>
/// </remarks>
internal sealed class SqliteJournalWriter : ReceiveActor
{
    private readonly SqliteWriteSession _session;
    private readonly DedicatedThread _thread;
    private readonly TimeProvider _clock;
    private readonly int _maxEventsPerTransaction;
    private readonly Queue<WriteCommand> _pending = new();
    private WriteCommand[]? _inFlight;
    private bool _flushScheduled;
    private TaskCompletionSource? _drained;
    private readonly ILogger _log;

    public SqliteJournalWriter(SqliteWriteSession session, DedicatedThread thread, TimeProvider clock, int maxEventsPerTransaction, ILogger log)
    {
        _log = log;
        _session = session;
        _thread = thread;
        _clock = clock;
        _maxEventsPerTransaction = maxEventsPerTransaction;
        Idle();
    }

    public static Props Props(SqliteWriteSession session, DedicatedThread thread, TimeProvider clock, int maxEventsPerTransaction, ILogger log) =>
        Akka.Actor.Props.Create(() => new SqliteJournalWriter(session, thread, clock, maxEventsPerTransaction, log));

    /// <summary>Asks the writer to commit everything it has received and then complete <paramref name="Done"/>.</summary>
    public sealed record Drain(TaskCompletionSource Done);

    /// <summary>No transaction in flight: the next write starts one, after the writes already in the mailbox.</summary>
    private void Idle()
    {
        Receive<WriteCommand>(write =>
        {
            _pending.Enqueue(write);
            if (!_flushScheduled)
            {
                // Not committing at once: the Flush queues behind the writes already in the
                // mailbox, so they all join this first group instead of waiting for the next.
                _flushScheduled = true;
                Self.Tell(Flush.Instance, Self);
            }
        });
        Receive<Flush>(_ =>
        {
            _flushScheduled = false;
            if (_pending.Count > 0)
            {
                CommitNextGroup();
            }
        });
        Receive<Drain>(drain =>
        {
            _drained = drain.Done;
            if (_pending.Count > 0)
            {
                CommitNextGroup();
            }
            else
            {
                _drained.TrySetResult();
            }
        });
    }

    /// <summary>A transaction is in flight: writes wait for the next group.</summary>
    private void Writing()
    {
        Receive<WriteCommand>(write => _pending.Enqueue(write));
        Receive<Flush>(_ => _flushScheduled = false);
        Receive<GroupCommitted>(committed =>
        {
            for (var i = 0; i < committed.Group.Length; i++)
            {
                committed.Group[i].Complete(committed.Outcomes[i]);
            }

            AfterGroup();
        });
        Receive<GroupFailed>(failed =>
        {
            JournalLog.GroupFailed(_log, failed.Cause, failed.Group.Length);
            foreach (var write in failed.Group)
            {
                write.Complete(failed.Cause);
            }

            AfterGroup();
        });
        Receive<Drain>(drain => _drained = drain.Done);
    }

    private void CommitNextGroup()
    {
        var group = new List<WriteCommand>(Math.Min(_pending.Count, 1024));
        var weight = 0;
        // An append is never split, and the first write always goes in, whatever its weight.
        while (_pending.TryPeek(out var next) && (group.Count == 0 || weight + next.Weight <= _maxEventsPerTransaction))
        {
            group.Add(_pending.Dequeue());
            weight += next.Weight;
        }

        var writes = group.ToArray();
        _inFlight = writes;
        var session = _session;
        var clock = _clock;
        _thread.Run(() => session.ExecuteGroup(writes, clock.GetUtcNow()))
            .PipeTo(Self, Self, outcomes => new GroupCommitted(writes, outcomes), cause => new GroupFailed(writes, cause));
        Become(Writing);
    }

    private void AfterGroup()
    {
        _inFlight = null;
        if (_pending.Count > 0)
        {
            CommitNextGroup();
            return;
        }

        Become(Idle);
        _drained?.TrySetResult();
    }

    protected override void PostStop()
    {
        // Reached only when the actor system stops before the journal is disposed. A group in
        // flight may still commit; its callers cannot be told which way it went.
        var unfinished = (_inFlight?.Length ?? 0) + _pending.Count;
        if (unfinished == 0)
        {
            return;
        }

        JournalLog.StoppedWithWritesPending(_log, unfinished);
        foreach (var write in _inFlight ?? [])
        {
            write.Complete(new ObjectDisposedException(nameof(SqliteJournal), "The journal stopped while this write was being committed; it may or may not have been committed."));
        }

        while (_pending.TryDequeue(out var write))
        {
            write.Complete(new ObjectDisposedException(nameof(SqliteJournal), "The journal stopped before this write was committed; nothing of it was written."));
        }

        _drained?.TrySetResult();
    }

    private sealed record Flush { public static readonly Flush Instance = new(); }

    private sealed record GroupCommitted(WriteCommand[] Group, object[] Outcomes);

    private sealed record GroupFailed(WriteCommand[] Group, Exception Cause);
}
