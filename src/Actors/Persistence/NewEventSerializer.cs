using System.Buffers.Binary;
using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;
using Akka.Serialization;
using EventActors.Actors.Journal;
using EventActors.Protocol;

namespace EventActors.Actors.Persistence;

/// <summary>
/// A topic's event as bytes, for a journal that stores whole serialized payloads
/// (Akka.Persistence.Sql): a version byte, the type and the idempotency key as length-prefixed
/// UTF-8 (length -1 for none), then the data as is. About 10 bytes on top of the data, where
/// Akka's JSON default would base64 it and Hyperion would write type names.
/// </summary>
public sealed class NewEventSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    private const string EventManifest = "E";
    private const byte Version = 1;

    /// <summary>Unique among the system's serializers; Akka reserves 0-100 for its own.</summary>
    public override int Identifier => 7_301;

    public override string Manifest(object o) => o is NewEvent ? EventManifest : throw new ArgumentException($"Cannot serialize {o.GetType()}", nameof(o));

    public override byte[] ToBinary(object obj)
    {
        var item = obj as NewEvent ?? throw new ArgumentException($"Cannot serialize {obj.GetType()}", nameof(obj));
        var type = item.Type?.Value;
        var key = item.IdempotencyKey;
        var length = 1 + 4 + Utf8Length(type) + 4 + Utf8Length(key) + item.Data.Length;
        var bytes = new byte[length];
        bytes[0] = Version;
        var offset = WriteString(bytes, 1, type);
        offset = WriteString(bytes, offset, key);
        item.Data.Span.CopyTo(bytes.AsSpan(offset));
        return bytes;
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (manifest != EventManifest || bytes.Length < 9 || bytes[0] != Version)
        {
            throw new SerializationException($"Not an EventActors event (manifest '{manifest}', {bytes.Length} bytes).");
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
