using System.Buffers;
using System.Text;

namespace EventActors.Protocol;

/// <summary>
/// One complete SSE frame (fields and the blank line that ends it) as UTF-8 bytes, encoded once and
/// written as-is to every subscriber. Immutable: the bytes are never handed out writable.
/// </summary>
public sealed class EncodedSseEvent
{
    private readonly byte[] _bytes;

    internal EncodedSseEvent(byte[] bytes, bool dispatchesEvent, bool hasId)
    {
        _bytes = bytes;
        DispatchesEvent = dispatchesEvent;
        HasId = hasId;
    }

    /// <summary>The frame's bytes, ending with the blank line.</summary>
    public ReadOnlyMemory<byte> Utf8Bytes => _bytes;

    public int Length => _bytes.Length;

    /// <summary>
    /// True when the frame has <c>data:</c> lines and so makes the browser dispatch an event;
    /// false for comment and <c>retry:</c> frames.
    /// </summary>
    public bool DispatchesEvent { get; }

    /// <summary>True when the frame carries its own <c>id:</c> line.</summary>
    public bool HasId { get; }

    public void WriteTo(IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        Utf8Output.WriteBytes(writer, _bytes);
    }

    /// <summary>The frame as text, for logs and test failure messages.</summary>
    public override string ToString() => Encoding.UTF8.GetString(_bytes);
}
