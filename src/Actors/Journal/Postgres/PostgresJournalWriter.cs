using Akka.Actor;
using Microsoft.Extensions.Logging;

namespace EventActors.Actors.Journal.Postgres;

/// <summary>
/// The single writer of a PostgreSQL journal instance: turns the writes that reach it into group
/// commits on its one connection, and knows whether the database can be reached.
/// </summary>
/// <remarks>
/// <para>While a group is in flight, the writes that arrive wait; when it commits, everything
/// waiting (up to <see cref="PostgresJournalOptions.MaxEventsPerTransaction"/> events) goes into
/// the next one. Appends are grouped; a create, trim or delete runs alone, in its turn, so
/// writes are applied in the order received.</para>
/// <para>When the connection is lost, the writer fails what is in flight and waiting with
/// <see cref="JournalUnreachableException"/>, and the journal fails new writes at once (see
/// <see cref="PostgresAvailability"/>) instead of letting publishers wait on a dead database.
/// Every <see cref="PostgresJournalOptions.ReconnectInterval"/> it tries again; the first success
/// puts it back in service.</para>
/// </remarks>
internal sealed class PostgresJournalWriter : ReceiveActor, IWithTimers
{
    private readonly PostgresWriteSession _session;
    private readonly PostgresAvailability _availability;
    private readonly PostgresJournalOptions _options;
    private readonly Queue<PostgresWrite> _pending = new();
    private PostgresWrite[]? _inFlight;
    private bool _flushScheduled;
    private TaskCompletionSource? _drained;
    private readonly ILogger _log;

    public PostgresJournalWriter(PostgresWriteSession session, PostgresAvailability availability, PostgresJournalOptions options, ILogger log)
    {
        _log = log;
        _session = session;
        _availability = availability;
        _options = options;
        Idle();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(PostgresWriteSession session, PostgresAvailability availability, PostgresJournalOptions options, ILogger log) =>
        Akka.Actor.Props.Create(() => new PostgresJournalWriter(session, availability, options, log));

    /// <summary>Asks the writer to commit everything it has received and then complete <paramref name="Done"/>.</summary>
    public sealed record Drain(TaskCompletionSource Done);

    /// <summary>A reader lost its connection: the writer starts trying to reconnect unless it is writing (its group will tell).</summary>
    public sealed record ConnectionLost(Exception Cause);

    private void Idle()
    {
        Receive<PostgresWrite>(write =>
        {
            _pending.Enqueue(write);
            if (!_flushScheduled)
            {
                // The Flush queues behind the writes already in the mailbox, so they all join this group.
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
        Receive<ConnectionLost>(lost => BecomeUnreachable(lost.Cause));
    }

    private void Writing()
    {
        Receive<PostgresWrite>(write => _pending.Enqueue(write));
        Receive<Flush>(_ => _flushScheduled = false);
        Receive<GroupDone>(done =>
        {
            for (var i = 0; i < done.Group.Length; i++)
            {
                done.Group[i].Complete(done.Outcomes[i]);
            }

            AfterGroup();
        });
        Receive<GroupFailed>(failed =>
        {
            _inFlight = null;
            if (PostgresJournal.IsConnectionFailure(failed.Cause))
            {
                // A create, trim or delete does not say how far it got: counted as unknown.
                var unknown = failed.CommitWasInFlight;
                JournalLog.PostgresUnreachable(_log, failed.Cause, failed.Group.Length, unknown);
                // Unreachable first, then the callers learn of it: a caller that retries at once
                // is refused at the door instead of queueing behind a dead connection.
                BecomeUnreachable(failed.Cause);
                foreach (var write in failed.Group)
                {
                    write.Complete(PostgresAvailability.Unreachable(failed.Cause, outcomeUnknown: unknown));
                }

                return;
            }

            JournalLog.GroupFailed(_log, failed.Cause, failed.Group.Length);
            foreach (var write in failed.Group)
            {
                write.Complete(failed.Cause);
            }

            AfterGroup();
        });
        Receive<Drain>(drain => _drained = drain.Done);
        Receive<ConnectionLost>(_ => { });
    }

    /// <summary>The database cannot be reached: writes fail at once, and a timer tries to reconnect.</summary>
    private void Unreachable()
    {
        Receive<PostgresWrite>(write => write.Complete(PostgresAvailability.Unreachable(_availability.Cause, outcomeUnknown: false)));
        Receive<Flush>(_ => _flushScheduled = false);
        Receive<Reconnect>(_ =>
        {
            var session = _session;
            session.ProbeAsync().PipeTo(Self, Self, success: () => Reconnected.Instance, failure: cause => new ReconnectFailed(cause));
        });
        Receive<Reconnected>(_ =>
        {
            _availability.MarkReachable();
            JournalLog.PostgresReachable(_log);
            Become(Idle);
        });
        Receive<ReconnectFailed>(failed =>
        {
            _availability.MarkUnreachable(failed.Cause);
            Timers.StartSingleTimer(Reconnect.Instance, Reconnect.Instance, _options.ReconnectInterval);
        });
        Receive<Drain>(drain => drain.Done.TrySetResult());
        Receive<ConnectionLost>(_ => { });
    }

    private void BecomeUnreachable(Exception cause)
    {
        _availability.MarkUnreachable(cause);
        while (_pending.TryDequeue(out var waiting))
        {
            waiting.Complete(PostgresAvailability.Unreachable(cause, outcomeUnknown: false));
        }

        _drained?.TrySetResult();
        Timers.StartSingleTimer(Reconnect.Instance, Reconnect.Instance, _options.ReconnectInterval);
        Become(Unreachable);
    }

    private void CommitNextGroup()
    {
        var group = new List<PostgresWrite>(Math.Min(_pending.Count, 1024));
        if (_pending.Peek() is SoloWrite)
        {
            group.Add(_pending.Dequeue());
        }
        else
        {
            var weight = 0;
            // An append is never split, and the first always goes in, whatever its weight.
            while (_pending.TryPeek(out var next) && next is AppendWrite && (group.Count == 0 || weight + next.Weight <= _options.MaxEventsPerTransaction))
            {
                group.Add(_pending.Dequeue());
                weight += next.Weight;
            }
        }

        var writes = group.ToArray();
        _inFlight = writes;
        var session = _session;
        var now = _options.TimeProvider.GetUtcNow();
        Run(session, writes, now).PipeTo(Self, Self,
            success: outcomes => new GroupDone(writes, outcomes),
            failure: cause => new GroupFailed(writes, cause, writes[0] is SoloWrite || session.LastFailureOutcomeUnknown));
        Become(Writing);
    }

    private static async Task<object[]> Run(PostgresWriteSession session, PostgresWrite[] writes, DateTimeOffset now)
    {
        if (writes[0] is SoloWrite solo)
        {
            try
            {
                return [await solo.RunAsync(session, now).ConfigureAwait(false) ?? NoResult.Instance];
            }
            catch (Exception failure) when (failure is JournalException or ArgumentException or InvalidOperationException)
            {
                return [failure];
            }
        }

        return await session.AppendAsync(Array.ConvertAll(writes, w => (AppendWrite)w), now).ConfigureAwait(false);
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
        // Reached only when the actor system stops before the journal is disposed.
        var unfinished = (_inFlight?.Length ?? 0) + _pending.Count;
        if (unfinished > 0)
        {
            JournalLog.StoppedWithWritesPending(_log, unfinished);
        }

        foreach (var write in _inFlight ?? [])
        {
            write.Complete(new ObjectDisposedException(nameof(PostgresJournal), "The journal stopped while this write was being committed; it may or may not have been committed."));
        }

        while (_pending.TryDequeue(out var write))
        {
            write.Complete(new ObjectDisposedException(nameof(PostgresJournal), "The journal stopped before this write was committed; nothing of it was written."));
        }

        _drained?.TrySetResult();
    }

    private sealed record Flush { public static readonly Flush Instance = new(); }

    private sealed record Reconnect { public static readonly Reconnect Instance = new(); }

    private sealed record Reconnected { public static readonly Reconnected Instance = new(); }

    private sealed record ReconnectFailed(Exception Cause);

    private sealed record GroupDone(PostgresWrite[] Group, object[] Outcomes);

    private sealed record GroupFailed(PostgresWrite[] Group, Exception Cause, bool CommitWasInFlight);
}
