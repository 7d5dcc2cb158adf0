namespace EventActors.Protocol;

/// <summary>
/// Splits a payload into the lines an SSE parser will see, so each can go on its own
/// <c>data:</c> (or comment) line.
/// </summary>
/// <remarks>
/// Spec: "Lines must be separated by either a U+000D CARRIAGE RETURN U+000A LINE FEED (CRLF)
/// character pair, a single U+000A LINE FEED (LF) character, or a single U+000D CARRIAGE RETURN
/// (CR) character." All three end a line here too, so no raw CR ever reaches the wire. Text after
/// the last line break is one more line, even when empty: "a\n" is the lines "a" and "", which is
/// what makes a trailing line break survive the trip through a parser.
/// </remarks>
internal ref struct PayloadLines<T>
    where T : IEquatable<T>
{
    private readonly T _cr;
    private readonly T _lf;
    private ReadOnlySpan<T> _rest;
    private bool _done;

    internal PayloadLines(ReadOnlySpan<T> payload, T cr, T lf)
    {
        _rest = payload;
        _cr = cr;
        _lf = lf;
        _done = false;
        Current = default;
    }

    public ReadOnlySpan<T> Current { get; private set; }

    public bool MoveNext()
    {
        if (_done)
        {
            return false;
        }

        var end = _rest.IndexOfAny(_cr, _lf);
        if (end < 0)
        {
            Current = _rest;
            _done = true;
            return true;
        }

        Current = _rest[..end];
        var isCrLf = _rest[end].Equals(_cr) && end + 1 < _rest.Length && _rest[end + 1].Equals(_lf);
        _rest = _rest[(end + (isCrLf ? 2 : 1))..];
        return true;
    }

    public readonly PayloadLines<T> GetEnumerator() => this;
}

internal static class PayloadLines
{
    public static PayloadLines<byte> Of(ReadOnlySpan<byte> utf8) => new(utf8, (byte)'\r', (byte)'\n');

    public static PayloadLines<char> Of(ReadOnlySpan<char> text) => new(text, '\r', '\n');
}
