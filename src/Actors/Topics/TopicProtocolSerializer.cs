using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;
using Akka.Serialization;
using EventActors.Actors.Journal;
using EventActors.Protocol;

namespace EventActors.Actors.Topics;

/// <summary>
/// Akka serializer for the topic protocol (<see cref="ITopicProtocol"/>), the messages that cross
/// nodes in a cluster: publishes and their answers, subscriptions and their events, status,
/// delete. A compact binary form (lengths as 7-bit varints, strings as UTF-8, event data as is,
/// actor references as their serialized paths) under a one-letter manifest per message, where
/// Akka's JSON default cannot rebuild our value types at all. Messages that never leave a node
/// (<see cref="HandOff"/>) are not bound to it.
/// </summary>
public sealed class TopicProtocolSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>Unique among the system's serializers (Akka reserves 0-100; <see cref="Persistence.TopicSerializer"/> is 7,301).</summary>
    public const int Id = 7_302;

    private const byte Version = 1;

    public override int Identifier => Id;

    public override string Manifest(object o) => o switch
    {
        Publish => "P",
        PublishAccepted => "A",
        PublishRejected => "R",
        Subscribe => "S",
        Subscribed => "s",
        SubscribeRejected => "x",
        Deliver => "D",
        GrantCredit => "G",
        CatchUpRequired => "C",
        CaughtUp => "c",
        TopicReset => "r",
        Unsubscribe => "U",
        GetTopicStatus => "T",
        TopicStatus => "t",
        TopicNotFound => "N",
        DeleteTopic => "X",
        TopicDeleted => "d",
        TopicUnavailable => "u",
        ResolveStart => "W",
        StartResolved => "w",
        ApplyAgeRetention => "Y",
        AgeRetentionApplied => "y",
        _ => throw new ArgumentException($"{o.GetType()} is not a message of the topic protocol", nameof(o)),
    };

    public override byte[] ToBinary(object obj)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Version);
            Write(writer, obj);
        }

        return buffer.ToArray();
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes, writable: false), Encoding.UTF8);
        var version = reader.ReadByte();
        if (version != Version)
        {
            throw new SerializationException($"A topic protocol message of version {version}; this node reads version {Version} (nodes of different versions in one cluster?).");
        }

        return Read(reader, manifest);
    }

    private void Write(BinaryWriter w, object message)
    {
        switch (message)
        {
            case Publish publish:
                WriteTopic(w, publish.Topic);
                w.Write7BitEncodedInt(publish.Events.Count);
                foreach (var e in publish.Events)
                {
                    WriteOptional(w, e.Type?.Value);
                    WriteOptional(w, e.IdempotencyKey);
                    WriteBytes(w, e.Data.Span);
                }

                break;
            case PublishAccepted accepted:
                WriteTopic(w, accepted.Topic);
                WriteEpoch(w, accepted.Epoch);
                w.Write7BitEncodedInt(accepted.Events.Count);
                foreach (var e in accepted.Events)
                {
                    w.Write7BitEncodedInt64((long)e.Sequence);
                    w.Write(e.Duplicate);
                }

                break;
            case PublishRejected rejected:
                WriteTopic(w, rejected.Topic);
                w.Write(rejected.Reason);
                w.Write(rejected.OutcomeUnknown);
                break;
            case Subscribe subscribe:
                WriteTopic(w, subscribe.Topic);
                WriteRef(w, subscribe.Subscriber);
                WriteStart(w, subscribe.Start);
                w.Write7BitEncodedInt(subscribe.Credit);
                break;
            case Subscribed subscribed:
                WriteTopic(w, subscribed.Topic);
                WriteEpoch(w, subscribed.Epoch);
                w.Write7BitEncodedInt64((long)subscribed.After);
                WriteReset(w, subscribed.Reset);
                break;
            case ResolveStart resolve:
                WriteTopic(w, resolve.Topic);
                WriteRef(w, resolve.Subscriber);
                WriteStart(w, resolve.Start);
                break;
            case StartResolved resolved:
                WriteTopic(w, resolved.Topic);
                WriteRef(w, resolved.Subscriber);
                WriteEpoch(w, resolved.Epoch);
                w.Write7BitEncodedInt64((long)resolved.After);
                WriteReset(w, resolved.Reset);
                break;
            case SubscribeRejected rejected:
                WriteTopic(w, rejected.Topic);
                w.Write(rejected.Reason);
                break;
            case Deliver deliver:
                WriteTopic(w, deliver.Topic);
                w.Write7BitEncodedInt(deliver.Events.Count);
                foreach (var e in deliver.Events)
                {
                    WriteEpoch(w, e.Epoch);
                    w.Write7BitEncodedInt64((long)e.Sequence);
                    WriteOptional(w, e.Type);
                    WriteBytes(w, e.Data.Span);
                }

                break;
            case GrantCredit grant:
                w.Write7BitEncodedInt(grant.Credit);
                break;
            case CatchUpRequired catchUp:
                WriteTopic(w, catchUp.Topic);
                WriteEpoch(w, catchUp.Epoch);
                w.Write7BitEncodedInt64((long)catchUp.After);
                w.Write7BitEncodedInt64((long)catchUp.Through);
                break;
            case CaughtUp caughtUp:
                WriteRef(w, caughtUp.Subscriber);
                WriteEpoch(w, caughtUp.Epoch);
                w.Write7BitEncodedInt64((long)caughtUp.Position);
                break;
            case TopicReset reset:
                WriteTopic(w, reset.Topic);
                WriteEpoch(w, reset.Epoch);
                w.Write7BitEncodedInt64((long)reset.After);
                w.Write7BitEncodedInt((int)reset.Reason);
                break;
            case Unsubscribe unsubscribe:
                WriteRef(w, unsubscribe.Subscriber);
                break;
            case GetTopicStatus status:
                WriteTopic(w, status.Topic);
                break;
            case TopicStatus status:
                WriteTopic(w, status.Info.Topic);
                WriteEpoch(w, status.Info.Epoch);
                w.Write7BitEncodedInt64((long)status.Info.Head);
                w.Write7BitEncodedInt64((long)status.Info.FirstSequence);
                w.Write(status.Info.CreatedAt.ToUnixTimeMilliseconds());
                w.Write7BitEncodedInt(status.Subscribers);
                w.Write(status.Owner.ToString());
                break;
            case TopicNotFound notFound:
                WriteTopic(w, notFound.Topic);
                break;
            case DeleteTopic delete:
                WriteTopic(w, delete.Topic);
                break;
            case TopicDeleted deleted:
                WriteTopic(w, deleted.Topic);
                WriteEpoch(w, deleted.NewEpoch);
                break;
            case TopicUnavailable unavailable:
                WriteTopic(w, unavailable.Topic);
                w.Write(unavailable.Reason);
                break;
            case ApplyAgeRetention apply:
                WriteTopic(w, apply.Topic);
                break;
            case AgeRetentionApplied applied:
                WriteTopic(w, applied.Topic);
                break;
            default:
                throw new ArgumentException($"{message.GetType()} is not a message of the topic protocol", nameof(message));
        }
    }

    private object Read(BinaryReader r, string manifest) => manifest switch
    {
        "P" => new Publish(ReadTopic(r), ReadList(r, () =>
        {
            var type = ReadOptional(r);
            var key = ReadOptional(r);
            return new NewEvent(ReadBytes(r), type is null ? null : new SseEventType(type), key);
        })),
        "A" => new PublishAccepted(ReadTopic(r), ReadEpoch(r), ReadList(r, () => new AppendedEvent((ulong)r.Read7BitEncodedInt64(), r.ReadBoolean()))),
        "R" => new PublishRejected(ReadTopic(r), r.ReadString(), r.ReadBoolean()),
        "S" => new Subscribe(ReadTopic(r), ReadRef(r), ReadStart(r), r.Read7BitEncodedInt()),
        "s" => new Subscribed(ReadTopic(r), ReadEpoch(r), (ulong)r.Read7BitEncodedInt64(), ReadReset(r)),
        "W" => new ResolveStart(ReadTopic(r), ReadRef(r), ReadStart(r)),
        "w" => new StartResolved(ReadTopic(r), ReadRef(r), ReadEpoch(r), (ulong)r.Read7BitEncodedInt64(), ReadReset(r)),
        "x" => new SubscribeRejected(ReadTopic(r), r.ReadString()),
        "D" => new Deliver(ReadTopic(r), new ArraySegment<CommittedEvent>(ReadList(r,
            () => new CommittedEvent(ReadEpoch(r), (ulong)r.Read7BitEncodedInt64(), ReadOptional(r), ReadBytes(r))))),
        "G" => GrantCredit.For(r.Read7BitEncodedInt()),
        "C" => new CatchUpRequired(ReadTopic(r), ReadEpoch(r), (ulong)r.Read7BitEncodedInt64(), (ulong)r.Read7BitEncodedInt64()),
        "c" => new CaughtUp(ReadRef(r), ReadEpoch(r), (ulong)r.Read7BitEncodedInt64()),
        "r" => new TopicReset(ReadTopic(r), ReadEpoch(r), (ulong)r.Read7BitEncodedInt64(), (ResetReason)r.Read7BitEncodedInt()),
        "U" => new Unsubscribe(ReadRef(r)),
        "T" => new GetTopicStatus(ReadTopic(r)),
        "t" => new TopicStatus(
            new TopicInfo(ReadTopic(r), ReadEpoch(r), (ulong)r.Read7BitEncodedInt64(), (ulong)r.Read7BitEncodedInt64(), DateTimeOffset.FromUnixTimeMilliseconds(r.ReadInt64())),
            r.Read7BitEncodedInt(), Address.Parse(r.ReadString())),
        "N" => new TopicNotFound(ReadTopic(r)),
        "X" => new DeleteTopic(ReadTopic(r)),
        "d" => new TopicDeleted(ReadTopic(r), ReadEpoch(r)),
        "u" => new TopicUnavailable(ReadTopic(r), r.ReadString()),
        "Y" => new ApplyAgeRetention(ReadTopic(r)),
        "y" => new AgeRetentionApplied(ReadTopic(r)),
        _ => throw new SerializationException($"Not a topic protocol message (manifest '{manifest}')."),
    };

    private static void WriteTopic(BinaryWriter w, TopicName topic) => w.Write(topic.Value);

    private static TopicName ReadTopic(BinaryReader r) => TopicName.Parse(r.ReadString());

    private static void WriteEpoch(BinaryWriter w, TopicEpoch epoch) => w.Write(epoch.ToString());

    private static TopicEpoch ReadEpoch(BinaryReader r) => TopicEpoch.Parse(r.ReadString());

    private static void WriteReset(BinaryWriter w, ResetReason? reset) => w.Write7BitEncodedInt(reset is { } reason ? (int)reason + 1 : 0);

    private static ResetReason? ReadReset(BinaryReader r) => r.Read7BitEncodedInt() is var reset and > 0 ? (ResetReason)(reset - 1) : null;

    private static void WriteOptional(BinaryWriter w, string? text)
    {
        w.Write(text is not null);
        if (text is not null)
        {
            w.Write(text);
        }
    }

    private static string? ReadOptional(BinaryReader r) => r.ReadBoolean() ? r.ReadString() : null;

    private static void WriteBytes(BinaryWriter w, ReadOnlySpan<byte> bytes)
    {
        w.Write7BitEncodedInt(bytes.Length);
        w.Write(bytes);
    }

    private static byte[] ReadBytes(BinaryReader r) => r.ReadBytes(r.Read7BitEncodedInt());

    private static T[] ReadList<T>(BinaryReader r, Func<T> read)
    {
        var items = new T[r.Read7BitEncodedInt()];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = read();
        }

        return items;
    }

    private static void WriteRef(BinaryWriter w, IActorRef actor) => w.Write(Serialization.SerializedActorPath(actor));

    private IActorRef ReadRef(BinaryReader r) => system.Provider.ResolveActorRef(r.ReadString());

    private static void WriteStart(BinaryWriter w, StartPosition start)
    {
        switch (start)
        {
            case StartPosition.Live:
                w.Write((byte)0);
                break;
            case StartPosition.Earliest:
                w.Write((byte)1);
                break;
            case StartPosition.After after:
                w.Write((byte)2);
                WriteEpoch(w, after.Cursor.Epoch);
                w.Write7BitEncodedInt64((long)after.Cursor.Sequence);
                break;
            case StartPosition.Unusable unusable:
                w.Write((byte)3);
                w.Write7BitEncodedInt((int)unusable.Error);
                w.Write(unusable.Text);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(start), start, "Unknown start position");
        }
    }

    private static StartPosition ReadStart(BinaryReader r) => r.ReadByte() switch
    {
        0 => StartPosition.Live.Instance,
        1 => StartPosition.Earliest.Instance,
        2 => new StartPosition.After(new EventCursor(ReadEpoch(r), (ulong)r.Read7BitEncodedInt64())),
        3 => new StartPosition.Unusable((CursorError)r.Read7BitEncodedInt(), r.ReadString()),
        var kind => throw new SerializationException($"Unknown start position {kind}."),
    };
}
