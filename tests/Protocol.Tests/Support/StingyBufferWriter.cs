using System.Buffers;

namespace EventActors.Protocol.Tests.Support;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> that gives out exactly the size asked for (1 byte when asked
/// for none), the least its contract allows, so a writer that assumes more room fails.
/// </summary>
internal sealed class StingyBufferWriter : IBufferWriter<byte>
{
    private readonly List<byte> _written = [];
    private byte[] _current = [];

    public int SpansHandedOut { get; private set; }

    public byte[] Written => [.. _written];

    public void Advance(int count)
    {
        if (count > _current.Length)
        {
            throw new InvalidOperationException($"Advanced {count} bytes into a span of {_current.Length}.");
        }

        _written.AddRange(_current.AsSpan(0, count));
        _current = [];
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        _current = new byte[Math.Max(sizeHint, 1)];
        SpansHandedOut++;
        return _current;
    }

    public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;
}
