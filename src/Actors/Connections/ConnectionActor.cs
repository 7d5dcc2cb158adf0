using System.IO.Pipelines;
using Akka.Actor;
using Akka.Event;
using EventActors.Actors.Persistence;
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
/// <remarks>
/// <para>There is one connection actor per open stream, so what each one carries is kept small
/// (docs/benchmarks.md, idle connections): an <see cref="UntypedActor"/> whose two states are
/// methods (a <c>ReceiveActor</c> builds its handler lists per instance) chosen by a flag, not
/// <c>Become</c> (each <c>Become</c> of an untyped actor allocates three objects, and a second
/// behaviour moves Akka's per-actor state from one field to a stack); no stash (topics are
/// subscribed with no credit and granted it only once every topic has answered, so nothing but
/// answers can arrive before); the heartbeat is one repeating tick of the scheduler, not an
/// <c>IWithTimers</c> timer table; no death watch of the actors that feed it (they tell it
/// <see cref="SubscriptionEnded"/> as they stop), so only the one actor that feeds it watches
/// it, which Akka keeps in a single field instead of three dictionaries.</para>
/// <para>A flush that cannot complete at once runs in <c>RunTask</c>, which holds the mailbox
/// until the bytes are with the transport: that is the back-pressure, and stopping (a system
/// message) still gets through meanwhile. Journal reads are not awaited in the actor: they come
/// back as messages (<c>PipeTo</c>).</para>
/// </remarks>
public sealed partial class ConnectionActor : UntypedActor
{
    private readonly StreamRequest _request;
    private readonly PipeWriter _output;
    private readonly IActorRef _topics;
    private readonly TopicHistory _history;
    private readonly ConnectionSettings _settings;
    private readonly CancellationToken _aborted;
    private readonly StreamLifetime _lifetime;
    private readonly EventCursor[] _positions;        // per topic: epoch and last sequence written
    private readonly IActorRef?[] _topicActors;       // per topic: who feeds us, once subscribed
    private readonly int[] _unreturnedCredit;         // per topic: events written since the last grant
    private List<(int Topic, ResetReason Reason)>? _pendingResets; // rare: only resets learnt while subscribing
    private int _awaitingSubscriptions;
    private bool _live;                               // every topic has answered: Live, not Subscribing
    private DateTimeOffset _lastWrite;                // the scheduler's time at the last flush

    public ConnectionActor(StreamRequest request, PipeWriter output, IActorRef topics, TopicHistory history,
        ConnectionSettings settings, CancellationToken aborted, StreamLifetime lifetime)
    {
        _request = request;
        _output = output;
        _topics = topics;
        _history = history;
        _settings = settings;
        _aborted = aborted;
        _lifetime = lifetime;
        _positions = new EventCursor[request.Topics.Count];
        _topicActors = new IActorRef?[request.Topics.Count];
        _unreturnedCredit = new int[request.Topics.Count];
        _awaitingSubscriptions = request.Topics.Count;
    }

    /// <summary>
    /// One per stream, kept by its actor for life, so it shares one <see cref="Deploy"/> (<c>WithMailbox</c>
    /// makes one per call, and <c>Props.Create</c> an expression tree) and names the arguments in
    /// the constructor's order.
    /// </summary>
    public static Props Props(StreamRequest request, PipeWriter output, IActorRef topics, TopicHistory history,
        ConnectionSettings settings, CancellationToken aborted, StreamLifetime lifetime) =>
        new(Deployment, typeof(ConnectionActor), request, output, topics, history, settings, aborted, lifetime);

    private static readonly Deploy Deployment = Deploy.None.WithMailbox(CompactMailbox.Id); // one per stream: an empty mailbox must cost next to nothing

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
            // No credit yet: nothing is pushed before every topic has answered (see Subscribing).
            _topics.Tell(new Subscribe(_request.Topics[i], Self, _request.Starts[i], Credit: 0), Self);
        }

        _lastWrite = Context.System.Scheduler.Now;
        StartHeartbeats(_settings.HeartbeatInterval);
    }

    protected override void PostStop()
    {
        _heartbeats?.Cancel(); // it repeats: left running, it would tick for ever
        foreach (var topicActor in _topicActors)
        {
            topicActor?.Tell(new Unsubscribe(Self), Self);
        }

        _lifetime.End();
    }

    protected override void OnReceive(object message)
    {
        if (_live)
        {
            Live(message);
        }
        else
        {
            Subscribing(message);
        }
    }

    /// <summary>
    /// Waiting for every topic to answer <see cref="Subscribe"/>. Topics push nothing meanwhile (no
    /// credit), so the only messages are answers, resets, a subscription's end and heartbeats.
    /// </summary>
    private void Subscribing(object message)
    {
        switch (message)
        {
            case Subscribed subscribed:
                OnSubscribedWhileSubscribing(subscribed);
                break;
            case TopicReset reset:
                // The topic was deleted after it answered: written with the others once every
                // position is known (a multi-topic id needs them all).
                var index = _request.Topics.IndexOf(reset.Topic);
                _positions[index] = new EventCursor(reset.Epoch, reset.After);
                (_pendingResets ??= []).Add((index, reset.Reason));
                break;
            case SubscriptionEnded:
                if (OnSubscriptionEnded(Sender))
                {
                    _awaitingSubscriptions++; // it answered once; its successor will answer again
                }

                break;
            case HeartbeatTick:
                OnHeartbeat();
                break;
            case ClientGone:
            case SubscribeRejected: // a topic could not start: end the response, the client resumes
                Context.Stop(Self);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Live(object message)
    {
        switch (message)
        {
            case Deliver deliver:
                OnDeliver(deliver);
                break;
            case CatchUpRequired catchUp:
                ReadNextPage(_request.Topics.IndexOf(catchUp.Topic), Sender, catchUp.Through);
                break;
            case CatchUpPage page:
                OnCatchUpPage(page);
                break;
            case CatchUpFailed when _aborted.IsCancellationRequested:
                Context.Stop(Self); // the read was cancelled because the client left
                break;
            case CatchUpFailed failed:
                Context.GetLogger().Warning(failed.Cause, "A stream of {0} could not read history from the journal; it ends and the client resumes",
                    _request.Topics[failed.Topic]);
                Context.Stop(Self);
                break;
            case TopicReset reset:
                OnTopicReset(reset);
                break;
            case Subscribed subscribed:
                OnResubscribed(subscribed);
                break;
            case SubscriptionEnded:
                OnSubscriptionEnded(Sender);
                break;
            case HeartbeatTick:
                OnHeartbeat();
                break;
            case ClientGone:
            case SubscribeRejected:
                Context.Stop(Self);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void OnSubscribedWhileSubscribing(Subscribed subscribed)
    {
        if (IsAnswered(subscribed))
        {
            return;
        }

        var index = Subscribe(subscribed);
        if (subscribed.Reset is { } reason)
        {
            (_pendingResets ??= []).Add((index, reason)); // written once every position is known
        }

        if (--_awaitingSubscriptions == 0)
        {
            // Written before any event: the client must learn of a reset before what follows it.
            foreach (var (topic, pending) in _pendingResets ?? [])
            {
                WriteReset(topic, pending);
            }

            _pendingResets = null;
            _live = true;
            Flush(AfterFlush.Nothing); // the retry field and any reset, at once
            foreach (var topicActor in _topicActors)
            {
                topicActor!.Tell(GrantCredit.For(_settings.Credit), Self); // now the topics may push
            }
        }
    }

    private void OnTopicReset(TopicReset reset)
    {
        var index = _request.Topics.IndexOf(reset.Topic);
        _positions[index] = new EventCursor(reset.Epoch, reset.After);
        WriteReset(index, reset.Reason);
        Flush(AfterFlush.Nothing);
    }

    private void OnResubscribed(Subscribed subscribed)
    {
        if (IsAnswered(subscribed))
        {
            return;
        }

        // A topic actor was replaced (it failed or was restarted); we subscribed again from
        // our exact position, so normally there is nothing to tell the client.
        var index = Subscribe(subscribed);
        if (subscribed.Reset is { } reason)
        {
            WriteReset(index, reason);
            Flush(AfterFlush.Nothing);
        }

        Sender.Tell(GrantCredit.For(_settings.Credit), Self);
    }

    /// <summary>A topic actor or feed stopped (it failed, or was replaced): subscribes again from our exact position. False when it was not one of ours.</summary>
    private bool OnSubscriptionEnded(IActorRef ended)
    {
        // Equal, not the same object: Akka promises equality by path and uid, and a reference to
        // a remote actor can be a fresh object each time.
        var index = Array.FindIndex(_topicActors, actor => ActorRefComparer.Instance.Equals(ended, actor));
        if (index < 0)
        {
            return false;
        }

        _topicActors[index] = null;
        _topics.Tell(new Subscribe(_request.Topics[index], Self, StartFor(index), Credit: 0), Self);
        return true;
    }

    /// <summary>Where to subscribe to a topic: where the client asked until a topic has answered, then our exact position.</summary>
    private StartPosition StartFor(int index) =>
        _positions[index].Epoch == default ? _request.Starts[index] : new StartPosition.After(_positions[index]);

    /// <summary>A second answer from the actor that feeds us already (we asked twice): its first one stands.</summary>
    private bool IsAnswered(Subscribed subscribed) =>
        _topicActors[_request.Topics.IndexOf(subscribed.Topic)] is { } current && ActorRefComparer.Instance.Equals(current, Sender);

    private int Subscribe(Subscribed subscribed)
    {
        var index = _request.Topics.IndexOf(subscribed.Topic);
        _positions[index] = new EventCursor(subscribed.Epoch, subscribed.After);
        _topicActors[index] = Sender; // not watched: it tells us SubscriptionEnded as it stops
        _unreturnedCredit[index] = 0; // a new subscription starts with its whole window
        return index;
    }

    private void OnDeliver(Deliver deliver)
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

        // Credit goes back only once the bytes are handed to the transport: a client that does
        // not read stops receiving pushes, and the topic keeps nothing for it.
        Flush(AfterFlush.Grant(Sender, index, deliver.Events.Count));
    }

    private void WriteReset(int index, ResetReason reason)
    {
        ResetEvent.Write(_output, _request.Topics[index], reason, _request.RequestedId, CurrentId(index));
    }

    /// <summary>The id a client resumes from here: this topic's cursor, or the cursor of every topic.</summary>
    private string CurrentId(int index) =>
        _request.MultiTopic ? new MultiTopicCursor(_request.Topics, _positions).Format() : _positions[index].ToString();

    /// <summary>The client disconnected, or the node drops every connection (<see cref="ConnectionSupervisor.DropAll"/>).</summary>
    public sealed class ClientGone : IDeadLetterSuppression
    {
        public static readonly ClientGone Instance = new();
    }
}
