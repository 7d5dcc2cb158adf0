using System.Buffers.Text;

namespace EventActors.Bench.Load;

/// <summary>What an <see cref="SseParser"/> found. Spans are valid only during the call.</summary>
internal interface ISseEventSink
{
    void OnEvent(ReadOnlySpan<byte> eventType, ReadOnlySpan<byte> data, ReadOnlySpan<byte> lastEventId);

    void OnComment(ReadOnlySpan<byte> comment);

    void OnRetry(long milliseconds);
}

/// <summary>
/// An incremental parser of an SSE body, after the WHATWG HTML spec's "event stream
/// interpretation", fed whatever bytes arrive (a line or an event may be split anywhere,
/// including between the CR and LF of a CRLF). Works on UTF-8 bytes: every field name and
/// delimiter is ASCII, so nothing needs decoding. Keeps only the unfinished line and the current
/// event's fields, in buffers that start empty and grow to the largest seen, so an idle
/// connection costs a few hundred bytes.
/// </summary>
internal sealed class SseParser
{
    /// <summary>Longest line or event data accepted (1 MiB): bounds the generator's memory against a broken server.</summary>
    public const int MaxBytes = 1 << 20;

    private GrowableBytes _line;        // an unfinished line carried over to the next chunk
    private GrowableBytes _data;        // the data buffer: each data field's value followed by LF
    private GrowableBytes _eventType;   // the event type buffer
    private GrowableBytes _idBuffer;    // the last event ID buffer (set by id fields)
    private GrowableBytes _lastEventId; // the last event ID string (set when an event is dispatched)
    private bool _skipLf;               // the previous chunk ended with CR: an LF that starts the next one belongs to it
    private bool _atStart = true;      // a BOM may still come
    private int _bomMatched;

    private static ReadOnlySpan<byte> Bom => [0xEF, 0xBB, 0xBF];

    /// <summary>The id a reconnecting client sends as Last-Event-ID; empty when none.</summary>
    public ReadOnlySpan<byte> LastEventId => _lastEventId.Span;

    /// <summary>
    /// Starts a new connection's stream. Spec: the last event ID survives a reconnection (it is
    /// what the client sends); everything else about an unfinished event is discarded, as at the
    /// end of a stream ("any pending data must be discarded").
    /// </summary>
    public void Reset()
    {
        _line.Clear();
        _data.Clear();
        _eventType.Clear();
        _idBuffer.Set(_lastEventId.Span);
        _skipLf = false;
        _atStart = true;
        _bomMatched = 0;
    }

    /// <summary>Feeds the next bytes of the stream; false when a line or event exceeds <see cref="MaxBytes"/>.</summary>
    public bool Parse(ReadOnlySpan<byte> chunk, ISseEventSink sink)
    {
        // Spec: UTF-8 decode strips one leading BOM, which may itself arrive split across reads.
        while (_atStart && !chunk.IsEmpty)
        {
            if (chunk[0] == Bom[_bomMatched])
            {
                chunk = chunk[1..];
                _atStart = ++_bomMatched < Bom.Length;
            }
            else
            {
                _atStart = false;
                if (_bomMatched > 0 && !_line.Append(Bom[.._bomMatched]))
                {
                    return false; // not a BOM after all: its first bytes were text
                }
            }
        }

        if (_skipLf && !chunk.IsEmpty)
        {
            _skipLf = false;
            if (chunk[0] == (byte)'\n')
            {
                chunk = chunk[1..];
            }
        }

        while (!chunk.IsEmpty)
        {
            // Spec: lines end with CRLF, LF or CR.
            var end = chunk.IndexOfAny((byte)'\r', (byte)'\n');
            if (end < 0)
            {
                return _line.Append(chunk);
            }

            bool processed;
            if (_line.Length > 0)
            {
                if (!_line.Append(chunk[..end]))
                {
                    return false;
                }

                processed = ProcessLine(_line.Span, sink);
                _line.Clear();
            }
            else
            {
                processed = ProcessLine(chunk[..end], sink);
            }

            if (!processed)
            {
                return false;
            }

            var cr = chunk[end] == (byte)'\r';
            chunk = chunk[(end + 1)..];
            if (cr)
            {
                if (chunk.IsEmpty)
                {
                    _skipLf = true;
                }
                else if (chunk[0] == (byte)'\n')
                {
                    chunk = chunk[1..];
                }
            }
        }

        return true;
    }

    private bool ProcessLine(ReadOnlySpan<byte> line, ISseEventSink sink)
    {
        if (line.IsEmpty)
        {
            Dispatch(sink);
            return true;
        }

        if (line[0] == (byte)':')
        {
            sink.OnComment(line[1..]);
            return true;
        }

        // Spec: the field name is up to the first colon, and one space after it is not part of
        // the value; a line without a colon is a field name with an empty value.
        ReadOnlySpan<byte> field = line, value = default;
        var colon = line.IndexOf((byte)':');
        if (colon >= 0)
        {
            field = line[..colon];
            value = line[(colon + 1)..];
            if (!value.IsEmpty && value[0] == (byte)' ')
            {
                value = value[1..];
            }
        }

        if (field.SequenceEqual("data"u8))
        {
            return _data.Append(value) && _data.Append("\n"u8);
        }

        if (field.SequenceEqual("event"u8))
        {
            return _eventType.Set(value);
        }

        if (field.SequenceEqual("id"u8))
        {
            // Spec: an id containing NULL is ignored.
            return value.IndexOf((byte)0) >= 0 || _idBuffer.Set(value);
        }

        if (field.SequenceEqual("retry"u8))
        {
            // Spec: only ASCII digits; anything else is ignored.
            if (!value.IsEmpty && value.IndexOfAnyExceptInRange((byte)'0', (byte)'9') < 0
                && Utf8Parser.TryParse(value, out long milliseconds, out _))
            {
                sink.OnRetry(milliseconds);
            }
        }

        return true; // other fields are ignored
    }

    private void Dispatch(ISseEventSink sink)
    {
        // Spec: the last event ID is set at dispatch, whether or not an event fires.
        _lastEventId.Set(_idBuffer.Span);
        if (_data.Length == 0)
        {
            _eventType.Clear();
            return;
        }

        var data = _data.Span[..^1]; // spec: the data buffer's final LF is removed
        var type = _eventType.Length > 0 ? _eventType.Span : "message"u8;
        sink.OnEvent(type, data, _lastEventId.Span);
        _data.Clear();
        _eventType.Clear();
    }

    /// <summary>A byte buffer that grows on demand, up to <see cref="MaxBytes"/>. A mutable struct: use only as a field.</summary>
    private struct GrowableBytes
    {
        private byte[]? _bytes;

        public int Length { get; private set; }

        public readonly ReadOnlySpan<byte> Span => _bytes.AsSpan(0, Length);

        public void Clear() => Length = 0;

        public bool Set(ReadOnlySpan<byte> value)
        {
            Length = 0;
            return Append(value);
        }

        public bool Append(ReadOnlySpan<byte> value)
        {
            var needed = Length + value.Length;
            if (needed > MaxBytes)
            {
                return false;
            }

            if (_bytes is null || needed > _bytes.Length)
            {
                Array.Resize(ref _bytes, Math.Min(MaxBytes, Math.Max(needed, Math.Max(32, (_bytes?.Length ?? 0) * 2))));
            }

            value.CopyTo(_bytes.AsSpan(Length));
            Length = needed;
            return true;
        }
    }
}
