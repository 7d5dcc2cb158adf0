using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;
using Akka.Serialization;
using EventActors.Actors.Journal;
using EventActors.Protocol;

namespace EventActors.Actors.Persistence;

/// <summary>
/// Akka serializer for what a topic persists, wherever a store keeps serialized payloads:
/// <list type="bullet">
/// <item><see cref="NewEvent"/> (manifest "E"), for Akka.Persistence.Sql's journal: a version
/// byte, the type and the idempotency key as length-prefixed UTF-8 (length -1 for none), then the
/// data as is. About 10 bytes on top of the data, where Akka's JSON default would base64 it and
/// Hyperion would write type names. Our own journals store the fields in columns and never call this.</item>
/// <item><see cref="TopicSnapshot"/> (manifest "S"), for every snapshot store: one line of text,
/// <c>1|epoch|epochStart|firstRetained|createdAtUnixMs</c>, short, readable in a database shell,
/// and simple enough for a schema migration to write in SQL (docs/journal.md).</item>
/// </list>
/// </summary>
public sealed class TopicSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    private const string EventManifest = "E";
    private const string SnapshotManifest = "S";
    private const byte EventVersion = 1;
    private const string SnapshotVersion = "1";

    /// <summary>Unique among the system's serializers; Akka reserves 0-100 for its own. Stored with every snapshot: never change it.</summary>
    public const int Id = 7_301;

    public override int Identifier => Id;

    public override string Manifest(object o) => o switch
    {
        NewEvent => EventManifest,
        TopicSnapshot => SnapshotManifest,
        _ => throw new ArgumentException($"Cannot serialize {o.GetType()}", nameof(o)),
    };

    public override byte[] ToBinary(object obj) => obj switch
    {
        NewEvent item => EventToBinary(item),
        TopicSnapshot snapshot => Encoding.UTF8.GetBytes(FormatSnapshot(snapshot)),
        _ => throw new ArgumentException($"Cannot serialize {obj.GetType()}", nameof(obj)),
    };

    public override object FromBinary(byte[] bytes, string manifest) => manifest switch
    {
        EventManifest => EventFromBinary(bytes),
        SnapshotManifest => ParseSnapshot(Encoding.UTF8.GetString(bytes)),
        _ => throw new SerializationException($"Not an EventActors payload (manifest '{manifest}', {bytes.Length} bytes)."),
    };

    /// <summary>The snapshot's text; the schema migration that turns version-1 topics into snapshots writes the same.</summary>
    internal static string FormatSnapshot(TopicSnapshot snapshot) => string.Join('|', SnapshotVersion, snapshot.Epoch.ToString(),
        snapshot.EpochStart.ToString(CultureInfo.InvariantCulture), snapshot.FirstRetained.ToString(CultureInfo.InvariantCulture),
        snapshot.CreatedAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));

    internal static TopicSnapshot ParseSnapshot(string text)
    {
        var parts = text.Split('|');
        if (parts.Length == 5 && parts[0] == SnapshotVersion && TopicEpoch.TryParse(parts[1], out var epoch) &&
            ulong.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var epochStart) &&
            ulong.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var firstRetained) &&
            long.TryParse(parts[4], NumberStyles.None, CultureInfo.InvariantCulture, out var createdAt))
        {
            return new TopicSnapshot(epoch, epochStart, firstRetained, DateTimeOffset.FromUnixTimeMilliseconds(createdAt));
        }

        throw new SerializationException($"Not an EventActors topic snapshot: '{(text.Length > 100 ? text[..100] : text)}'.");
    }

    private static byte[] EventToBinary(NewEvent item)
    {
        var type = item.Type?.Value;
        var key = item.IdempotencyKey;
        var length = 1 + 4 + Utf8Length(type) + 4 + Utf8Length(key) + item.Data.Length;
        var bytes = new byte[length];
        bytes[0] = EventVersion;
        var offset = WriteString(bytes, 1, type);
        offset = WriteString(bytes, offset, key);
        item.Data.Span.CopyTo(bytes.AsSpan(offset));
        return bytes;
    }

    private static NewEvent EventFromBinary(byte[] bytes)
    {
        if (bytes.Length < 9 || bytes[0] != EventVersion)
        {
            throw new SerializationException($"Not an EventActors event ({bytes.Length} bytes).");
        }

        var (type, offset) = ReadString(bytes, 1);
        var (key, dataOffset) = ReadString(bytes, offset);
        return new NewEvent(bytes.AsMemory(dataOffset), type is null ? null : new SseEventType(type), key);
    }

    private static int Utf8Length(string? text) => text is null ? 0 : Encoding.UTF8.GetByteCount(text);

    private static int WriteString(byte[] bytes, int offset, string? text)
    {
        if (text is null)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(offset), -1);
            return offset + 4;
        }

        var written = Encoding.UTF8.GetBytes(text, bytes.AsSpan(offset + 4));
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(offset), written);
        return offset + 4 + written;
    }

    private static (string? Text, int Next) ReadString(byte[] bytes, int offset)
    {
        if (offset > bytes.Length - 4)
        {
            throw new SerializationException("A truncated EventActors event.");
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(offset));
        if (length < 0)
        {
            return (null, offset + 4);
        }

        if (length > bytes.Length - offset - 4)
        {
            throw new SerializationException("A truncated EventActors event.");
        }

        return (Encoding.UTF8.GetString(bytes, offset + 4, length), offset + 4 + length);
    }
}
