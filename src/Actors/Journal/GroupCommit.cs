using Microsoft.Extensions.Logging;

namespace EventActors.Actors.Journal;

/// <summary>A write waiting for its group commit: how much it adds, whether it may share a transaction, and how its caller is answered.</summary>
internal interface IGroupedWrite
{
    /// <summary>Events the write adds, counted against the group's limit; 1 for writes that add none.</summary>
    int Weight { get; }

    /// <summary>False for a write that must run in a transaction of its own (PostgreSQL's create, trim and delete).</summary>
    bool SharesTransaction { get; }

    /// <summary>Answers the caller: a result, or the exception the write failed with.</summary>
    void Complete(object outcome);
}

/// <summary>
/// Group commit, the write path both journals share. One group is in flight at a time; the writes
/// that arrive meanwhile wait, and when it commits everything waiting (up to the group's limit
/// of events) goes into the next one. Under load each commit, and each fsync, carries many writes
/// of many topics; when idle a write is committed at once. Writes are applied in the order they
/// were submitted, and an append is never split.
/// </summary>
/// <remarks>
/// What a group is stored with is the store's: <c>commit</c> runs one group and returns an
/// outcome per write (its result, or the exception that write alone failed with); when it
/// throws, every write of the group fails with that exception. Callers are answered after the
/// commit, on their own continuations (the writes' tasks run them asynchronously).
/// No actor: the loop is a task that exists only while there is something to write.
/// </remarks>
internal sealed class GroupCommit<TWrite> where TWrite : class, IGroupedWrite
{
    private readonly int _maxWeight;
    private readonly Func<TWrite[], Task<object[]>> _commit;
    private readonly ILogger _log;
    private readonly Lock _gate = new();
    private readonly Queue<TWrite> _pending = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _writing;
    private bool _closed;

    /// <param name="maxWeight">The most events one transaction carries (a larger append still goes alone).</param>
    /// <param name="commit">Runs one group in one transaction.</param>
    public GroupCommit(int maxWeight, Func<TWrite[], Task<object[]>> commit, ILogger log)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxWeight, 1);
        _maxWeight = maxWeight;
        _commit = commit;
        _log = log;
    }

    /// <summary>Whether a group is being written or writes are waiting.</summary>
    public bool IsWriting
    {
        get
        {
            lock (_gate)
            {
                return _writing;
            }
        }
    }

    /// <summary>Queues <paramref name="write"/> for the next group.</summary>
    /// <param name="owner">The journal, named by the exception when it is closed.</param>
    /// <exception cref="ObjectDisposedException"><see cref="DrainAsync"/> was called: nothing more is accepted.</exception>
    public void Submit(TWrite write, object owner)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, owner);
            _pending.Enqueue(write);
            if (_writing)
            {
                return;
            }

            _writing = true;
        }

        // On the default scheduler whatever the submitter runs on (an actor, a request), and
        // queued behind the work already there, so writes submitted alongside this one join its
        // group rather than wait for the next.
        _ = Task.Run(WriteAsync);
    }

    /// <summary>Fails every write still waiting with the exception <paramref name="failure"/> makes for it; the group in flight is not touched.</summary>
    public void FailPending(Func<TWrite, Exception> failure)
    {
        TWrite[] waiting;
        lock (_gate)
        {
            waiting = [.. _pending];
            _pending.Clear();
        }

        foreach (var write in waiting)
        {
            write.Complete(failure(write));
        }
    }

    /// <summary>Accepts no more writes, and completes once every write accepted has been committed or failed.</summary>
    public Task DrainAsync()
    {
        lock (_gate)
        {
            _closed = true;
            if (!_writing)
            {
                _drained.TrySetResult();
            }
        }

        return _drained.Task;
    }

    private async Task WriteAsync()
    {
        while (TakeGroup() is { } group)
        {
            object[] outcomes;
            try
            {
                outcomes = await _commit(group).ConfigureAwait(false);
            }
            catch (Exception failure)
            {
                JournalLog.GroupFailed(_log, failure, group.Length);
                outcomes = new object[group.Length];
                Array.Fill(outcomes, failure);
            }

            for (var i = 0; i < group.Length; i++)
            {
                group[i].Complete(outcomes[i]);
            }
        }
    }

    /// <summary>The next group, or null (and the loop ends) when nothing waits.</summary>
    private TWrite[]? TakeGroup()
    {
        lock (_gate)
        {
            if (_pending.Count == 0)
            {
                _writing = false;
                if (_closed)
                {
                    _drained.TrySetResult();
                }

                return null;
            }

            var first = _pending.Dequeue();
            if (!first.SharesTransaction || _pending.Count == 0)
            {
                return [first];
            }

            var group = new List<TWrite>(Math.Min(_pending.Count + 1, 1024)) { first };
            var weight = first.Weight;
            while (_pending.TryPeek(out var next) && next.SharesTransaction && weight + next.Weight <= _maxWeight)
            {
                group.Add(_pending.Dequeue());
                weight += next.Weight;
            }

            return [.. group];
        }
    }
}
