using System.Buffers;

namespace EventActors.Protocol;

/// <summary>
/// Writes into an array whose length was computed in advance, so an encoded frame costs exactly
/// one allocation of exactly its size. Hands out whatever room is left even when that is less
/// than the size hint: the length was computed from the same content, so running out is a bug.
/// </summary>
internal sealed class ExactSizeBufferWriter(int length) : IBufferWriter<byte>
{
    private readonly byte[] _buffer = length == 0 ? [] : new byte[length];
    private int _written;

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (_written + count > _buffer.Length)
        {
            throw new InvalidOperationException("Advanced past the end of an exact-size buffer.");
        }

        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0) => _buffer.AsMemory(_written, RoomLeft());

    public Span<byte> GetSpan(int sizeHint = 0) => _buffer.AsSpan(_written, RoomLeft());

    /// <summary>The filled array; throws if the precomputed length was wrong.</summary>
    public byte[] Complete() => _written == _buffer.Length
        ? _buffer
        : throw new InvalidOperationException($"Frame length was computed as {_buffer.Length} bytes but {_written} were written.");

    private int RoomLeft() => _buffer.Length > _written
        ? _buffer.Length - _written
        : throw new InvalidOperationException($"Frame length was computed as {_buffer.Length} bytes but more were written.");
}
