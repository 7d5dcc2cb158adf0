using System.Buffers.Text;
using System.Text;

namespace EventActors.Bench.Load;

/// <summary>How a response body ends: chunked framing, a Content-Length, or the connection closing.</summary>
internal enum BodyFraming
{
    Chunked,
    ContentLength,
    UntilClose,
}

/// <summary>The parts of an HTTP/1.x response head a subscriber needs.</summary>
internal readonly record struct HttpResponseHead(int Status, BodyFraming Framing, long ContentLength)
{
    /// <summary>Longest response head accepted (16 KiB), as a server would bound a request head.</summary>
    public const int MaxBytes = 16 * 1024;

    /// <summary>The length of the head including its blank line, or -1 when it is not complete yet.</summary>
    public static int FindEnd(ReadOnlySpan<byte> bytes)
    {
        var crlf = bytes.IndexOf("\r\n\r\n"u8);
        var lf = bytes.IndexOf("\n\n"u8); // RFC 9112 §2.2: a recipient may accept a bare LF
        return (crlf, lf) switch
        {
            (< 0, < 0) => -1,
            (>= 0, < 0) => crlf + 4,
            (< 0, >= 0) => lf + 2,
            _ => Math.Min(crlf + 4, lf + 2),
        };
    }

    /// <summary>Parses a complete head; false when it is not an HTTP/1.x response.</summary>
    public static bool TryParse(ReadOnlySpan<byte> head, out HttpResponseHead parsed)
    {
        parsed = default;
        var lineEnd = head.IndexOf((byte)'\n');
        if (lineEnd < 0)
        {
            return false;
        }

        // Status line: HTTP/1.1 200 OK
        var statusLine = TrimCr(head[..lineEnd]);
        if (!statusLine.StartsWith("HTTP/1."u8) || statusLine.Length < 12 || statusLine[8] != (byte)' '
            || !Utf8Parser.TryParse(statusLine.Slice(9, 3), out int status, out var consumed) || consumed != 3)
        {
            return false;
        }

        var framing = BodyFraming.UntilClose;
        long contentLength = -1;
        var rest = head[(lineEnd + 1)..];
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf((byte)'\n');
            var line = TrimCr(end < 0 ? rest : rest[..end]);
            rest = end < 0 ? default : rest[(end + 1)..];
            var colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                continue;
            }

            var name = line[..colon];
            var value = line[(colon + 1)..].Trim((byte)' ').Trim((byte)'\t');
            if (Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8))
            {
                // RFC 9112 §6.3: chunked, when present, is the final coding and wins over Content-Length.
                if (ContainsIgnoreCase(value, "chunked"u8))
                {
                    framing = BodyFraming.Chunked;
                }
            }
            else if (Ascii.EqualsIgnoreCase(name, "Content-Length"u8) && framing != BodyFraming.Chunked
                     && Utf8Parser.TryParse(value, out long length, out _))
            {
                framing = BodyFraming.ContentLength;
                contentLength = length;
            }
        }

        parsed = new HttpResponseHead(status, framing, contentLength);
        return true;
    }

    private static ReadOnlySpan<byte> TrimCr(ReadOnlySpan<byte> line) =>
        !line.IsEmpty && line[^1] == (byte)'\r' ? line[..^1] : line;

    private static bool ContainsIgnoreCase(ReadOnlySpan<byte> text, ReadOnlySpan<byte> word)
    {
        for (var i = 0; i + word.Length <= text.Length; i++)
        {
            if (Ascii.EqualsIgnoreCase(text.Slice(i, word.Length), word))
            {
                return true;
            }
        }

        return false;
    }
}
