using System.Text;
using Akka.Actor;
using Akka.Configuration;
using EventActors.Actors.Journal;
using EventActors.Actors.Topics;
using EventActors.Protocol;
using Xunit;

namespace EventActors.Actors.Tests.Topics;

/// <summary>Every message of the topic protocol goes through its serializer and comes back whole, as between two nodes.</summary>
public sealed class TopicProtocolSerializerTests() : ActorTest(TopicSharding.SerializationConfig)
{
    private static readonly TopicName Topic = TopicName.Parse("news.world");
    private static readonly TopicEpoch Epoch = TopicEpoch.NewRandom();

    public static TheoryData<string> Messages => new(Samples(null!).Keys);

    /// <summary>One of each message, with every optional field set one way or the other.</summary>
    private static Dictionary<string, object> Samples(IActorRef actor) => new()
    {
        ["publish"] = new Publish(Topic, [new NewEvent("{\"a\":1}"u8.ToArray(), new SseEventType("quote"), "key-1"), new NewEvent("plain"u8.ToArray())]),
        ["accepted"] = new PublishAccepted(Topic, Epoch, [new AppendedEvent(41, Duplicate: true), new AppendedEvent(42, Duplicate: false)]),
        ["rejected"] = new PublishRejected(Topic, "the journal is away", OutcomeUnknown: true),
        ["subscribe live"] = new Subscribe(Topic, actor, StartPosition.Live.Instance, 256),
        ["subscribe earliest"] = new Subscribe(Topic, actor, StartPosition.Earliest.Instance, 0),
        ["subscribe after"] = new Subscribe(Topic, actor, new StartPosition.After(new EventCursor(Epoch, ulong.MaxValue)), 1),
        ["subscribe unusable"] = new Subscribe(Topic, actor, new StartPosition.Unusable(CursorError.Malformed, "garbage-id"), 3),
        ["subscribed"] = new Subscribed(Topic, Epoch, 7, null),
        ["subscribed with reset"] = new Subscribed(Topic, Epoch, 7, ResetReason.HistoryTrimmed),
        ["subscribe rejected"] = new SubscribeRejected(Topic, "could not recover"),
        ["deliver"] = new Deliver(Topic, new ArraySegment<CommittedEvent>([new CommittedEvent(Epoch, 1, "quote", "é\n"u8.ToArray()), new CommittedEvent(Epoch, 2, null, Array.Empty<byte>())])),
        ["grant"] = GrantCredit.For(128),
        ["grant large"] = GrantCredit.For(100_000),
        ["catch up"] = new CatchUpRequired(Topic, Epoch, 10, 500),
        ["caught up"] = new CaughtUp(actor, Epoch, 500),
        ["reset"] = new TopicReset(Topic, Epoch, 500, ResetReason.TopicDeleted),
        ["unsubscribe"] = new Unsubscribe(actor),
        ["get status"] = new GetTopicStatus(Topic),
        ["status"] = new TopicStatus(new TopicInfo(Topic, Epoch, 9, 3, DateTimeOffset.FromUnixTimeMilliseconds(1_764_000_000_123)), 2, Address.Parse("akka.tcp://eventactors@10.0.0.1:4051")),
        ["not found"] = new TopicNotFound(Topic),
        ["delete"] = new DeleteTopic(Topic),
        ["deleted"] = new TopicDeleted(Topic, Epoch),
        ["unavailable"] = new TopicUnavailable(Topic, "the journal is away"),
        ["resolve start"] = new ResolveStart(Topic, actor, StartPosition.Earliest.Instance),
        ["start resolved"] = new StartResolved(Topic, actor, Epoch, 12, null),
        ["start resolved with reset"] = new StartResolved(Topic, actor, Epoch, 12, ResetReason.StaleEpoch),
        ["apply age retention"] = new ApplyAgeRetention(Topic),
        ["age retention applied"] = new AgeRetentionApplied(Topic),
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public void A_message_comes_back_whole_through_the_topic_protocol_serializer(string name)
    {
        var message = Samples(CreateTestProbe().Ref)[name];
        var serializer = Sys.Serialization.FindSerializerFor(message);
        Assert.IsType<TopicProtocolSerializer>(serializer);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
        var bytes = serializer.ToBinary(message);

        var back = Sys.Serialization.Deserialize(bytes, serializer.Identifier, manifest);
        Assert.IsType(message.GetType(), back);
        Assert.Equal(Describe(message), Describe(back));
        Assert.Equal(bytes, serializer.ToBinary(back));
    }

    [Fact]
    public void An_actor_reference_comes_back_as_the_same_actor()
    {
        var probe = CreateTestProbe();
        var serializer = Sys.Serialization.FindSerializerFor(new Unsubscribe(probe.Ref));
        var back = (Unsubscribe)Sys.Serialization.Deserialize(serializer.ToBinary(new Unsubscribe(probe.Ref)), serializer.Identifier, "U");
        back.Subscriber.Tell("hello");
        probe.ExpectMsg("hello");
    }

    [Fact]
    public void A_message_of_another_version_is_refused_with_a_reason()
    {
        var serializer = Sys.Serialization.FindSerializerFor(new GetTopicStatus(Topic));
        var bytes = serializer.ToBinary(new GetTopicStatus(Topic));
        bytes[0] = 99;
        var error = Assert.Throws<System.Runtime.Serialization.SerializationException>(() => Sys.Serialization.Deserialize(bytes, serializer.Identifier, "T"));
        Assert.Contains("version 99", error.Message);
    }

    /// <summary>A message's fields as text, lists and payloads included (records compare lists by reference).</summary>
    private static string Describe(object message) => message switch
    {
        Publish p => $"{p.Topic} " + string.Join(";", p.Events.Select(e => $"{e.Type?.Value}|{e.IdempotencyKey}|{Convert.ToHexString(e.Data.Span)}")),
        PublishAccepted a => $"{a.Topic} {a.Epoch} " + string.Join(";", a.Events),
        Deliver d => $"{d.Topic} " + string.Join(";", d.Events.Select(e => $"{e.Epoch}-{e.Sequence}|{e.Type}|{Convert.ToHexString(e.Data.Span)}")),
        Subscribe s => $"{s.Topic} {s.Subscriber.Path} {s.Start} {s.Credit}",
        CaughtUp c => $"{c.Subscriber.Path} {c.Epoch} {c.Position}",
        Unsubscribe u => $"{u.Subscriber.Path}",
        _ => message.ToString()!,
    };
}
