using Akka.Actor;
using Akka.Event;
using EventActors.Actors.Journal;
using EventActors.Protocol;

namespace EventActors.Actors.Topics;

/// <summary>
/// The single writer of one topic. Recovers the topic's epoch and head from the journal, batches
/// publishes that arrive while an append is in flight into the next append, acknowledges only
/// after the commit, keeps the newest events in a ring and pushes them to subscribers with
/// credit. Passivates when idle.
/// </summary>
public sealed class TopicActor : ReceiveActor, IWithUnboundedStash, IWithTimers
{
    private readonly TopicName _topic;
    private readonly IEventJournal _journal;
    private readonly TopicSettings _settings;
    private readonly EventRing _ring;
    private readonly TopicSubscribers _subscribers;
    private readonly List<(Publish Publish, IActorRef ReplyTo)> _waiting = [];
    private ILoggingAdapter? _log; // made on first use: most topics never log, and there may be a great many topics
    private TopicInfo _info = null!;
    private bool _appending;
    private bool _trimming;
    private bool _handingOff;

    public TopicActor(TopicName topic, IEventJournal journal, TopicSettings settings)
    {
        _topic = topic;
        _journal = journal;
        _settings = settings;
        _ring = new EventRing(settings.RingSize, settings.RingMaxBytes);
        _subscribers = new TopicSubscribers(topic, Self);
        Recovering();
    }

    private ILoggingAdapter Log => _log ??= Context.GetLogger();

    public static Props Props(TopicName topic, IEventJournal journal, TopicSettings settings) =>
        Akka.Actor.Props.Create(() => new TopicActor(topic, journal, settings));

    public IStash Stash { get; set; } = null!;

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        Recover();
        if (_settings.Retention is { MaxAge: not null })
        {
            Timers.StartPeriodicTimer(ApplyRetention.Instance, ApplyRetention.Instance, _settings.RetentionInterval ?? TimeSpan.FromMinutes(1));
        }
    }

    private void Recover() =>
        _journal.CreateTopicAsync(_topic).PipeTo(Self, success: info => new Recovered(info), failure: error => new RecoveryFailed(error));

    private void Recovering()
    {
        Receive<Recovered>(recovered =>
        {
            _info = recovered.Info;
            _ring.Clear();
            SetReceiveTimeout(_settings.IdleTimeout);
            Become(Live);
            Stash.UnstashAll();
        });
        Receive<RecoveryFailed>(failed =>
        {
            // Nothing can be served without the topic's state: answer everyone, then stop; the
            // registry starts a fresh actor (and a fresh recovery) for the next message.
            Log.Error(failed.Cause, "Topic {0} could not recover its state from the journal", _topic.Value);
            var reason = $"The journal could not provide the state of topic '{_topic}': {failed.Cause.Message}";
            foreach (var stashed in Stash.ClearStash())
            {
                switch (stashed.Message)
                {
                    case Subscribe subscribe:
                        // The subscriber watches nothing yet: without an answer it would wait forever.
                        subscribe.Subscriber.Tell(new SubscribeRejected(_topic, reason), Self);
                        break;
                    case Publish:
                        stashed.Sender.Tell(new PublishRejected(_topic, reason, OutcomeUnknown: false), Self);
                        break;
                    case GetTopicStatus or DeleteTopic:
                        stashed.Sender.Tell(new TopicUnavailable(_topic, reason), Self);
                        break;
                }
            }

            Context.Stop(Self);
        });
        ReceiveAny(_ => Stash.Stash());
    }

    private void Live()
    {
        Receive<Publish>(publish =>
        {
            _waiting.Add((publish, Sender));
            AppendWaiting();
        });
        Receive<Appended>(OnAppended);
        Receive<ApplyRetention>(_ => Trim());
        Receive<Trimmed>(trimmed =>
        {
            _trimming = false;
            if (trimmed.Info is { } info && info.Epoch == _info.Epoch)
            {
                _info = _info with { FirstSequence = Math.Max(_info.FirstSequence, info.FirstSequence) };
            }
        });
        Receive<TrimFailed>(failed =>
        {
            _trimming = false;
            Log.Warning(failed.Cause, "Applying retention to topic {0} failed; it is tried again later", _topic.Value);
        });
        Receive<AppendFailed>(OnAppendFailed);
        Receive<Subscribe>(OnSubscribe);
        Receive<GrantCredit>(grant => _subscribers.Grant(Sender, grant.Credit, _ring, _info.Epoch, _info.Head));
        Receive<CaughtUp>(caughtUp => _subscribers.CaughtUp(caughtUp.Subscriber, caughtUp.Epoch, caughtUp.Position, _ring, _info.Epoch, _info.Head));
        Receive<Unsubscribe>(unsubscribe => Unwatch(unsubscribe.Subscriber));
        Receive<Terminated>(terminated => Unwatch(terminated.ActorRef));
        Receive<GetTopicStatus>(_ => Sender.Tell(new TopicStatus(_info, _subscribers.Count)));
        Receive<DeleteTopic>(_ =>
        {
            if (_appending)
            {
                Stash.Stash(); // the write in flight finishes first: deleting under it would fence it
            }
            else
            {
                BeginDelete(Sender);
            }
        });
        Receive<HandOff>(_ =>
        {
            _handingOff = true;
            StopIfHandedOff();
        });
        Receive<ReceiveTimeout>(_ =>
        {
            if (_subscribers.Count == 0 && !_appending && _waiting.Count == 0)
            {
                Context.Parent.Tell(new Passivate(_topic));
            }
        });
    }

    private void AppendWaiting()
    {
        if (_appending || _waiting.Count == 0)
        {
            return;
        }

        // Everything that arrived while the previous append was in flight goes in this one, up
        // to the per-append limit; each publisher's own events stay together and atomic.
        var batch = new List<(Publish Publish, IActorRef ReplyTo)>();
        var events = new List<NewEvent>();
        var taken = 0;
        while (taken < _waiting.Count && (events.Count == 0 || events.Count + _waiting[taken].Publish.Events.Count <= _settings.MaxEventsPerAppend))
        {
            batch.Add(_waiting[taken]);
            events.AddRange(_waiting[taken].Publish.Events);
            taken++;
        }

        _waiting.RemoveRange(0, taken);
        _appending = true;
        var request = new AppendRequest(_topic, _info.Head, events) { ExpectedEpoch = _info.Epoch };
        _journal.AppendAsync(request).PipeTo(Self,
            success: result => new Appended(batch, events, result),
            failure: error => new AppendFailed(batch, error));
    }

    private void OnAppended(Appended appended)
    {
        _appending = false;
        var result = appended.Result;
        var committed = new List<CommittedEvent>(appended.Events.Count);
        for (var i = 0; i < appended.Events.Count; i++)
        {
            if (!result.Events[i].Duplicate)
            {
                var newEvent = appended.Events[i];
                committed.Add(new CommittedEvent(result.Epoch, result.Events[i].Sequence, newEvent.Type?.Value, newEvent.Data.Span));
            }
        }

        _info = _info with { Head = result.Head };
        var offset = 0;
        foreach (var (publish, replyTo) in appended.Batch)
        {
            var count = publish.Events.Count;
            replyTo.Tell(new PublishAccepted(_topic, result.Epoch, result.Events.Skip(offset).Take(count).ToArray()), Self);
            offset += count;
        }

        if (committed.Count > 0)
        {
            var batch = committed.ToArray();
            foreach (var committedEvent in batch)
            {
                _ring.Add(committedEvent);
            }

            _subscribers.Committed(batch, _ring, _info.Epoch, _info.Head);
            if (_settings.Retention is { MaxEvents: { } maxEvents } && _info.RetainedCount > maxEvents)
            {
                Trim();
            }
        }

        ContinueAfterAppend();
    }

    private void OnAppendFailed(AppendFailed failed)
    {
        _appending = false;
        var rejected = new PublishRejected(_topic, failed.Cause.Message, OutcomeUnknown(failed.Cause));
        foreach (var (_, replyTo) in failed.Batch)
        {
            replyTo.Tell(rejected, Self);
        }

        if (failed.Cause is AppendConflictException)
        {
            // Someone else wrote this topic: our head and ring are stale. Re-read the state;
            // subscribers behind the new head will be sent to the journal.
            Log.Warning("Topic {0} was written by another writer; re-reading its state", _topic.Value);
            _journal.GetTopicAsync(_topic).PipeTo(Self,
                success: info => info is null ? new RecoveryFailed(new InvalidOperationException("topic vanished")) : new Recovered(info),
                failure: error => new RecoveryFailed(error));
            Become(Refreshing);
            return;
        }

        ContinueAfterAppend();
    }

    /// <summary>
    /// Whether a failed append may still have been committed: only a journal that says so (a
    /// connection that broke mid-commit) or a failure it did not classify. A refusal (overload,
    /// conflict, unreachable before sending) wrote nothing.
    /// </summary>
    private static bool OutcomeUnknown(Exception cause) => cause switch
    {
        JournalUnreachableException unreachable => unreachable.OutcomeUnknown,
        JournalException or ArgumentException => false,
        _ => true,
    };

    private void Refreshing()
    {
        Receive<Recovered>(recovered =>
        {
            var epochChanged = recovered.Info.Epoch != _info.Epoch;
            _info = recovered.Info;
            _ring.Clear();
            if (epochChanged)
            {
                _subscribers.Reset(_info.Epoch, ResetReason.TopicDeleted);
            }
            else
            {
                _subscribers.FeedAll(_ring, _info.Epoch, _info.Head);
            }

            Become(Live);
            Stash.UnstashAll();
            AppendWaiting();
            StopIfHandedOff();
        });
        Receive<RecoveryFailed>(failed => throw new JournalUnavailableException(_topic, failed.Cause));
        ReceiveAny(_ => Stash.Stash());
    }

    /// <summary>
    /// Applies retention in the background. Trimming removes only a prefix and never moves the
    /// head, so appends and subscribers go on; a reader that asks for trimmed history is told.
    /// </summary>
    private void Trim()
    {
        if (_trimming || _settings.Retention is not { } retention)
        {
            return;
        }

        _trimming = true;
        _journal.TrimAsync(_topic, retention).PipeTo(Self,
            success: result => new Trimmed(result.Topic),
            failure: error => new TrimFailed(error));
    }

    private void ContinueAfterAppend()
    {
        if (Stash.Count > 0)
        {
            Stash.UnstashAll(); // a DeleteTopic waited for the append to finish
            return;
        }

        AppendWaiting();
        StopIfHandedOff();
    }

    /// <summary>Passivation completes only with no write in flight: every publisher gets its answer.</summary>
    private void StopIfHandedOff()
    {
        if (_handingOff && !_appending && _waiting.Count == 0)
        {
            Context.Stop(Self);
        }
    }

    private void BeginDelete(IActorRef replyTo)
    {
        DeleteAndRecreateAsync(_journal, _topic)
            .PipeTo(Self, success: info => new Recreated(info, replyTo), failure: error => new DeleteFailed(error, replyTo));
        Become(Deleting);
    }

    private static async Task<TopicInfo> DeleteAndRecreateAsync(IEventJournal journal, TopicName topic)
    {
        await journal.DeleteTopicAsync(topic).ConfigureAwait(false);
        return await journal.CreateTopicAsync(topic).ConfigureAwait(false);
    }

    private void Deleting()
    {
        Receive<Recreated>(recreated =>
        {
            _info = recreated.Info;
            _ring.Clear();
            _subscribers.Reset(_info.Epoch, ResetReason.TopicDeleted);
            recreated.ReplyTo.Tell(new TopicDeleted(_topic, _info.Epoch), Self);
            Become(Live);
            Stash.UnstashAll();
            AppendWaiting();
            StopIfHandedOff();
        });
        Receive<DeleteFailed>(failed =>
        {
            // How far the delete got is unknown: the state is re-read by a fresh actor, which
            // the next message starts; everyone waiting here is answered first.
            failed.ReplyTo.Tell(new TopicUnavailable(_topic, failed.Cause.Message), Self);
            throw new JournalUnavailableException(_topic, failed.Cause);
        });
        Receive<Publish>(publish => _waiting.Add((publish, Sender)));
        ReceiveAny(_ => Stash.Stash());
    }

    private void OnSubscribe(Subscribe subscribe)
    {
        var plan = ResumePlan.Resolve(subscribe.Start, new TopicPosition(_info.Epoch, _info.Head, _info.FirstSequence));
        Context.Watch(subscribe.Subscriber);
        _subscribers.Add(subscribe.Subscriber, plan.After, 0);
        ReportSubscriberCount();
        subscribe.Subscriber.Tell(new Subscribed(_topic, _info.Epoch, plan.After, plan.Reset), Self);
        _subscribers.Grant(subscribe.Subscriber, subscribe.Credit, _ring, _info.Epoch, _info.Head);
    }

    private void Unwatch(IActorRef subscriber)
    {
        if (_subscribers.Remove(subscriber))
        {
            Context.Unwatch(subscriber);
            ReportSubscriberCount();
        }
    }

    private void ReportSubscriberCount() => Context.Parent.Tell(new SubscriberCountChanged(_topic, _subscribers.Count), Self);

    private sealed record Recovered(TopicInfo Info);

    private sealed record Trimmed(TopicInfo? Info);

    private sealed record TrimFailed(Exception Cause);

    private sealed class ApplyRetention : INotInfluenceReceiveTimeout
    {
        public static readonly ApplyRetention Instance = new();
    }

    private sealed record RecoveryFailed(Exception Cause);

    private sealed record Recreated(TopicInfo Info, IActorRef ReplyTo);

    private sealed record DeleteFailed(Exception Cause, IActorRef ReplyTo);

    private sealed record Appended(IReadOnlyList<(Publish Publish, IActorRef ReplyTo)> Batch, IReadOnlyList<NewEvent> Events, AppendResult Result);

    private sealed record AppendFailed(IReadOnlyList<(Publish Publish, IActorRef ReplyTo)> Batch, Exception Cause);
}

/// <summary>The journal could not give a topic its state; the topic actor stops and is started afresh on demand.</summary>
public sealed class JournalUnavailableException(TopicName topic, Exception inner)
    : Exception($"The journal could not provide the state of topic '{topic}': {inner.Message}", inner);
