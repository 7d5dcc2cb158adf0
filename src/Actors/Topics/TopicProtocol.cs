using Akka.Actor;
using Akka.Event;
using EventActors.Actors.Journal;
using EventActors.Protocol;

namespace EventActors.Actors.Topics;

// The protocol of a topic: everything a topic actor receives from outside and sends out. Every
// message is an immutable record of names, numbers, bytes and actor references (no delegates,
// streams, tasks or exceptions), so that the cluster can register a serializer for it and route
// it between nodes unchanged. Failures are answered with typed replies, never Status.Failure.
// The messages of a subscription are IDeadLetterSuppression: one that meets a stream or a topic
// that has just stopped is the normal end of a subscription, not a dead letter worth a log line.

/// <summary>
/// A message of the topic protocol: it may cross nodes, and <see cref="TopicProtocolSerializer"/>
/// writes it (bound to this interface in <see cref="TopicSharding.SerializationConfig"/>).
/// </summary>
public interface ITopicProtocol
{
}

/// <summary>A message for one topic: the shard region routes it by <see cref="Topic"/> (the entity id).</summary>
public interface ITopicMessage
{
    TopicName Topic { get; }
}

/// <summary>Append events atomically; answered after the commit with <see cref="PublishAccepted"/>, or with <see cref="PublishRejected"/>.</summary>
public sealed record Publish(TopicName Topic, IReadOnlyList<NewEvent> Events) : ITopicMessage, ITopicProtocol;

/// <summary>The events are committed: one entry per published event, in order.</summary>
public sealed record PublishAccepted(TopicName Topic, TopicEpoch Epoch, IReadOnlyList<AppendedEvent> Events) : ITopicProtocol;

/// <summary>
/// The events were not acknowledged. <paramref name="OutcomeUnknown"/> false: nothing of them was
/// written. True: the journal lost track mid-commit and they may have been written; a retry with
/// the same idempotency keys is safe either way.
/// </summary>
public sealed record PublishRejected(TopicName Topic, string Reason, bool OutcomeUnknown) : ITopicProtocol;

/// <summary>
/// Subscribe <paramref name="Subscriber"/> from <paramref name="Start"/> with an initial credit of
/// events. Answered to the subscriber with <see cref="Subscribed"/> or <see cref="SubscribeRejected"/>.
/// </summary>
public sealed record Subscribe(TopicName Topic, IActorRef Subscriber, StartPosition Start, int Credit) : ITopicMessage, ITopicProtocol;

/// <summary>
/// The subscription starts after <paramref name="After"/> in <paramref name="Epoch"/>; sent by the
/// topic actor itself, which is where <see cref="GrantCredit"/> and <see cref="CaughtUp"/> go.
/// </summary>
public sealed record Subscribed(TopicName Topic, TopicEpoch Epoch, ulong After, ResetReason? Reset) : IDeadLetterSuppression, ITopicProtocol;

/// <summary>The topic could not start (its journal did not answer): the subscriber should end its stream, and the client resume later.</summary>
public sealed record SubscribeRejected(TopicName Topic, string Reason) : ITopicProtocol;

/// <summary>Committed events that follow the subscriber's position, consecutive. May be shared: do not modify.</summary>
public sealed record Deliver(TopicName Topic, ArraySegment<CommittedEvent> Events) : IDeadLetterSuppression, ITopicProtocol;

/// <summary>
/// The sender (a subscriber) wrote events and may receive this many more. The subscriber is the
/// sender rather than a field so that grants can be shared: one is sent per subscriber per
/// delivered batch, the most frequent message there is, and <see cref="For"/> allocates none.
/// </summary>
public sealed record GrantCredit(int Credit) : IDeadLetterSuppression, ITopicProtocol
{
    // Batches of up to 256 events (most are far smaller) have their grant made once per process.
    private static readonly GrantCredit[] Shared = Enumerable.Range(0, 257).Select(credit => new GrantCredit(credit)).ToArray();

    public static GrantCredit For(int credit) => (uint)credit < (uint)Shared.Length ? Shared[credit] : new GrantCredit(credit);

    /// <summary>Credit goes back once this many of a window's events are handed on: half of it, not one message per delivery.</summary>
    public static int ReturnChunk(int window) => Math.Max(1, window / 2);
}

/// <summary>
/// The subscriber is behind the topic's memory: read the journal after <paramref name="After"/>
/// up to <paramref name="Through"/> (the head when this was sent), then send <see cref="CaughtUp"/>.
/// What the journal no longer holds of that range was trimmed.
/// </summary>
public sealed record CatchUpRequired(TopicName Topic, TopicEpoch Epoch, ulong After, ulong Through) : IDeadLetterSuppression, ITopicProtocol;

/// <summary>
/// The subscriber has written everything through <paramref name="Position"/> of
/// <paramref name="Epoch"/> from the journal. Ignored when the topic has moved to another epoch
/// since (it was deleted meanwhile and the subscriber was reset).
/// </summary>
public sealed record CaughtUp(IActorRef Subscriber, TopicEpoch Epoch, ulong Position) : IDeadLetterSuppression, ITopicProtocol;

/// <summary>
/// The topic began a new epoch (it was deleted): the subscriber continues from its start, after
/// <paramref name="After"/> (sequence numbers go on from the old head; they never restart).
/// </summary>
public sealed record TopicReset(TopicName Topic, TopicEpoch Epoch, ulong After, ResetReason Reason) : IDeadLetterSuppression, ITopicProtocol;

public sealed record Unsubscribe(IActorRef Subscriber) : IDeadLetterSuppression, ITopicProtocol;

/// <summary>
/// Told by a topic actor or a feed, as it stops, to each subscriber on its own node: the
/// subscription is over, subscribe again. A stream learns it this way instead of watching what
/// feeds it, because a watch in each direction turns each of thousands of idle connection actors'
/// death-watch state from one field into three dictionaries (~600 B a stream). Never sent across
/// the network (a remote subscriber, a feed, watches its topic: its node may die), so not part of
/// <see cref="ITopicProtocol"/>.
/// </summary>
public sealed record SubscriptionEnded(TopicName Topic) : IDeadLetterSuppression;

/// <summary>
/// Where would <paramref name="Subscriber"/> start from <paramref name="Start"/>? Asked of the
/// topic by a node's <see cref="TopicFeed"/> when it cannot tell by itself (the client asked for
/// the earliest event, or resumes from another epoch or from past what the feed has seen): the
/// topic knows its oldest retained event. Answered with <see cref="StartResolved"/>; subscribes nobody.
/// </summary>
public sealed record ResolveStart(TopicName Topic, IActorRef Subscriber, StartPosition Start) : ITopicMessage, ITopicProtocol;

/// <summary>The answer to <see cref="ResolveStart"/>: the subscription would start after <paramref name="After"/> in <paramref name="Epoch"/>.</summary>
public sealed record StartResolved(TopicName Topic, IActorRef Subscriber, TopicEpoch Epoch, ulong After, ResetReason? Reset) : IDeadLetterSuppression, ITopicProtocol;

/// <summary>Asks for <see cref="TopicStatus"/> (or <see cref="TopicNotFound"/>, <see cref="TopicUnavailable"/>). Not activity: asking does not keep a topic alive.</summary>
public sealed record GetTopicStatus(TopicName Topic) : ITopicMessage, ITopicProtocol;

/// <param name="Owner">The node whose actor answered: the owner of the topic's shard.</param>
public sealed record TopicStatus(TopicInfo Info, int Subscribers, Address Owner) : ITopicProtocol;

/// <summary>The answer to <see cref="GetTopicStatus"/> or <see cref="DeleteTopic"/> for a topic that was never published to (or whose state is gone).</summary>
public sealed record TopicNotFound(TopicName Topic) : ITopicProtocol;

/// <summary>Deletes the topic's history; the topic goes on under a new epoch. Answered with <see cref="TopicDeleted"/> (or <see cref="TopicNotFound"/>, <see cref="TopicUnavailable"/>).</summary>
public sealed record DeleteTopic(TopicName Topic) : ITopicMessage, ITopicProtocol;

public sealed record TopicDeleted(TopicName Topic, TopicEpoch NewEpoch) : ITopicProtocol;

/// <summary>The answer to <see cref="GetTopicStatus"/> or <see cref="DeleteTopic"/> when the topic's journal did not answer.</summary>
public sealed record TopicUnavailable(TopicName Topic, string Reason) : ITopicProtocol;

/// <summary>
/// Apply the age limit of the topic's retention now: sent by the <see cref="AgeRetentionSweeper"/>
/// to a topic whose actor is not running (dormant or cold) and that the journal says holds events
/// past the limit. Answered with <see cref="AgeRetentionApplied"/> once the topic has read its
/// oldest events and started the trim, or found nothing to do. Not activity.
/// </summary>
public sealed record ApplyAgeRetention(TopicName Topic) : ITopicMessage, ITopicProtocol;

public sealed record AgeRetentionApplied(TopicName Topic) : ITopicProtocol;

/// <summary>Settings of every topic actor.</summary>
/// <param name="RingSize">Events kept in memory for subscribers slightly behind.</param>
/// <param name="RingMaxBytes">Encoded bytes the ring may hold, whatever <paramref name="RingSize"/> says.</param>
/// <param name="IdleTimeout">No subscriber and no publish for this long: the actor passivates.</param>
/// <param name="MaxEventsPerAppend">Events one journal append may carry when publishes are batched.</param>
/// <param name="Retention">What each topic keeps; null keeps everything.</param>
/// <param name="RetentionInterval">How often a topic applies the age limit of its retention.</param>
/// <param name="SnapshotEvery">
/// Events between two snapshots of a topic's state: a recovering topic replays at most this many
/// events (which also refill its ring), however long its history.
/// </param>
public sealed record TopicSettings(int RingSize, long RingMaxBytes, TimeSpan IdleTimeout, int MaxEventsPerAppend = 1000,
    Retention? Retention = null, TimeSpan? RetentionInterval = null, int SnapshotEvery = 10_000);
