using System.IO.Pipelines;
using EventActors.Actors.Journal;
using EventActors.Actors.Kernel;
using EventActors.Actors.Topics;
using EventActors.Protocol;

namespace EventActors.Actors.Connections;

/// <summary>
/// Owns one SSE response. Subscribes to each topic at the position the client resumes from,
/// replays what it missed (from the topic's ring, or page by page from the journal when further
/// behind), then stays live; positions only ever move forward one sequence number at a time, so
/// the seam between replay and live has no gap and no duplicate. Writes every event it has in
/// hand, then flushes once; a flush that waits on a slow client holds back credit, so topics
/// stop pushing to it and its memory stays bounded.
/// </summary>
public sealed class ConnectionActor : ActorBase, IWithTimers, IWithUnboundedStash
{
    private readonly StreamRequest _request;
    private readonly PipeWriter _output;
    private readonly IActorRef _registry;
    private readonly IEventJournal _journal;
    private readonly ConnectionSettings _settings;
    private readonly CancellationToken _aborted;
    private readonly StreamLifetime _lifetime;
    private readonly EventCursor[] _positions;        // per topic: epoch and last sequence written
    private readonly IActorRef?[] _topicActors;       // per topic: who feeds us, once subscribed
    private List<(int Topic, ResetReason Reason)>? _pendingResets; // rare: only resets learnt while subscribing
    private int _awaitingSubscriptions;
    private long _lastWriteTicks;                     // Environment.TickCount64 at the last flush

    public ConnectionActor(StreamRequest request, PipeWriter output, IActorRef registry, IEventJournal journal,
        ConnectionSettings settings, CancellationToken aborted, StreamLifetime lifetime)
    {
        _request = request;
        _output = output;
        _registry = registry;
        _journal = journal;
        _settings = settings;
        _aborted = aborted;
        _lifetime = lifetime;
        _positions = new EventCursor[request.Topics.Count];
        _topicActors = new IActorRef?[request.Topics.Count];
        _awaitingSubscriptions = request.Topics.Count;
    }

    public static Props Props(StreamRequest request, PipeWriter output, IActorRef registry, IEventJournal journal,
        ConnectionSettings settings, CancellationToken aborted, StreamLifetime lifetime) =>
        Kernel.Props.Create(() => new ConnectionActor(request, output, registry, journal, settings, aborted, lifetime));

    public ITimerScheduler Timers { get; set; } = null!;

    public IStash Stash { get; set; } = null!;

    protected override void PreStart()
    {
        if (!_lifetime.TryAttach(Self))
        {
            Context.Stop(Self); // the client left before this actor started: nothing may be written
            return;
        }

        SseFrame.WriteRetry(_output, _settings.RetryMilliseconds);
        for (var i = 0; i < _request.Topics.Count; i++)
        {
            _registry.Tell(new Subscribe(_request.Topics[i], Self, _request.Starts[i], _settings.Credit), Self);
        }

        _lastWriteTicks = Environment.TickCount64;
        Timers.StartSingleTimer(HeartbeatTick.Instance, HeartbeatTick.Instance, _settings.HeartbeatInterval);
    }

    protected override void PostStop()
    {
        foreach (var topicActor in _topicActors)
        {
            topicActor?.Tell(new Unsubscribe(Self), Self);
        }

        _lifetime.End();
    }

    // The two states match messages with a switch rather than ReceiveActor's handler lists:
    // there is one connection actor per open stream, and a dozen handler delegates each would
    // cost about 2 KB per connection (docs/benchmarks.md, idle connections).
    protected internal override bool Receive(object message) => Subscribing(message);

    private bool Subscribing(object message)
    {
        switch (message)
        {
            case Subscribed subscribed:
                OnSubscribedWhileSubscribing(subscribed);
                return true;
            case ClientGone:
            case Status.Failure: // a topic could not start: end the response, the client resumes
                Context.Stop(Self);
                return true;
            case HeartbeatTick:
                return true;
            default:
                Stash.Stash();
                return true;
        }
    }

    private bool Live(object message)
    {
        switch (message)
        {
            case Deliver deliver:
                RunTask((this, deliver), static s => s.Item1.OnDeliver(s.Item2));
                return true;
            case AllSubscribed:
                RunTask(this, static self => self.FlushAsync());
                return true;
            case CatchUpRequired catchUp:
                RunTask((this, catchUp), static s => s.Item1.OnCatchUpRequired(s.Item2));
                return true;
            case TopicReset reset:
                RunTask((this, reset), static s => s.Item1.OnTopicReset(s.Item2));
                return true;
            case Subscribed subscribed:
                RunTask((this, subscribed), static s => s.Item1.OnResubscribed(s.Item2));
                return true;
            case Terminated terminated:
                OnTopicActorTerminated(terminated);
                return true;
            case HeartbeatTick:
                RunTask(this, static self => self.OnHeartbeat());
                return true;
            case ClientGone:
            case Status.Failure:
                Context.Stop(Self);
                return true;
            default:
                return false;
        }
    }

    private void OnSubscribedWhileSubscribing(Subscribed subscribed)
    {
        var index = Subscribe(subscribed);
        if (subscribed.Reset is { } reason)
        {
            (_pendingResets ??= []).Add((index, reason)); // written once every position is known
        }

        if (--_awaitingSubscriptions == 0)
        {
            // Written now, before the stashed deliveries come back in front of the mailbox:
            // the client must learn of a reset before any event that follows it.
            foreach (var (topic, pending) in _pendingResets ?? [])
            {
                WriteReset(topic, pending);
            }

            _pendingResets = null;
            Context.Become(Live);
            Stash.UnstashAll();
            Self.Tell(AllSubscribed.Instance); // flushes the retry field and resets if nothing else does
        }
    }

    private async Task OnTopicReset(TopicReset reset)
    {
        var index = _request.Topics.IndexOf(reset.Topic);
        _positions[index] = new EventCursor(reset.Epoch, 0);
        WriteReset(index, reset.Reason);
        await FlushAsync();
    }

    private async Task OnResubscribed(Subscribed subscribed)
    {
        // A topic actor was replaced (it failed or was restarted); we subscribed again from
        // our exact position, so normally there is nothing to tell the client.
        var index = Subscribe(subscribed);
        if (subscribed.Reset is { } reason)
        {
            WriteReset(index, reason);
            await FlushAsync();
        }
    }

    private void OnTopicActorTerminated(Terminated terminated)
    {
        var index = Array.FindIndex(_topicActors, actor => ReferenceEquals(actor, terminated.ActorRef));
        if (index >= 0)
        {
            _topicActors[index] = null;
            var resumeAt = new StartPosition.After(_positions[index]);
            _registry.Tell(new Subscribe(_request.Topics[index], Self, resumeAt, _settings.Credit), Self);
        }
    }

    private async Task OnHeartbeat()
    {
        // A comment goes out once the stream has been quiet for a whole interval, never
        // later: the timer is set for when that moment comes, from the last write.
        var quiet = TimeSpan.FromMilliseconds(Environment.TickCount64 - _lastWriteTicks);
        if (quiet >= _settings.HeartbeatInterval)
        {
            SseFrame.Heartbeat.WriteTo(_output);
            await FlushAsync();
            quiet = TimeSpan.Zero;
        }

        Timers.StartSingleTimer(HeartbeatTick.Instance, HeartbeatTick.Instance, _settings.HeartbeatInterval - quiet);
    }

    private int Subscribe(Subscribed subscribed)
    {
        var index = _request.Topics.IndexOf(subscribed.Topic);
        _positions[index] = new EventCursor(subscribed.Epoch, subscribed.After);
        _topicActors[index] = Context.Watch(Sender);
        return index;
    }

    private async Task OnDeliver(Deliver deliver)
    {
        var index = _request.Topics.IndexOf(deliver.Topic);
        foreach (var committed in deliver.Events)
        {
            if (committed.Sequence <= _positions[index].Sequence)
            {
                continue; // already written (a replaced topic actor may overlap): never a duplicate
            }

            _positions[index] = _positions[index] with { Sequence = committed.Sequence };
            if (_request.MultiTopic)
            {
                SseFrame.WriteWithId(_output, committed.FrameWithoutId, _request.Topics, _positions);
            }
            else
            {
                committed.Frame.WriteTo(_output);
            }
        }

        await FlushAsync();
        // Credit comes back only once the bytes are handed to the transport: a client that does
        // not read stops receiving pushes, and the topic keeps nothing for it.
        Sender.Tell(GrantCredit.For(deliver.Events.Count), Self);
    }

    private async Task OnCatchUpRequired(CatchUpRequired catchUp)
    {
        var index = _request.Topics.IndexOf(catchUp.Topic);
        var topicActor = Sender;
        var topic = catchUp.Topic;
        while (true)
        {
            var after = _positions[index].Sequence;
            var page = await _journal.ReadAsync(topic, after, _settings.CatchUpPageSize, cancellationToken: _aborted);
            if (page.Topic is not { } info || info.Epoch != _positions[index].Epoch)
            {
                return; // deleted meanwhile: the topic actor sends TopicReset
            }

            if (info.IsTrimmedAfter(after))
            {
                _positions[index] = _positions[index] with { Sequence = info.FirstSequence - 1 };
                WriteReset(index, ResetReason.HistoryTrimmed);
            }

            foreach (var stored in page.Events)
            {
                if (stored.Sequence <= _positions[index].Sequence)
                {
                    continue;
                }

                _positions[index] = _positions[index] with { Sequence = stored.Sequence };
                SseFrame.Write(_output, stored.Data.Span, stored.Type, new SseEventId(CurrentId(index)));
            }

            await FlushAsync();
            if (page.Events.Count < _settings.CatchUpPageSize || _positions[index].Sequence >= info.Head)
            {
                break;
            }
        }

        topicActor.Tell(new CaughtUp(Self, _positions[index].Epoch, _positions[index].Sequence), Self);
    }

    private void WriteReset(int index, ResetReason reason)
    {
        ResetEvent.Write(_output, _request.Topics[index], reason, _request.RequestedId, CurrentId(index));
    }

    /// <summary>The id a client resumes from here: this topic's cursor, or the cursor of every topic.</summary>
    private string CurrentId(int index) =>
        _request.MultiTopic ? new MultiTopicCursor(_request.Topics, _positions).Format() : _positions[index].ToString();

    private async Task FlushAsync()
    {
        _lastWriteTicks = Environment.TickCount64;
        FlushResult result;
        try
        {
            result = await _output.FlushAsync(_aborted);
        }
        catch (Exception error) when (error is OperationCanceledException or IOException or InvalidOperationException)
        {
            Context.Stop(Self); // the client is gone; nothing to recover
            return;
        }

        if (result.IsCompleted || result.IsCanceled)
        {
            Context.Stop(Self);
        }
    }

    /// <summary>The client disconnected or the server is shutting down.</summary>
    public sealed class ClientGone
    {
        public static readonly ClientGone Instance = new();
    }

    private sealed class HeartbeatTick
    {
        public static readonly HeartbeatTick Instance = new();
    }

    private sealed class AllSubscribed
    {
        public static readonly AllSubscribed Instance = new();
    }
}
