using System.Buffers.Text;

namespace EventActors.Bench.Load;

/// <summary>
/// The body of every published event: <c>{"k":TOPIC,"l":LANE,"s":SEQUENCE,"t":SENT_MICROS,"p":"xxx…"}</c>,
/// padded with <c>x</c> to the requested size. Small JSON so that a server that insists on JSON
/// accepts it, in a fixed field order so that reading it back is a scan, not a JSON parse, on
/// the path every delivery takes.
/// </summary>
internal static class EventPayload
{
    /// <summary>The fields of one event: topic index, publishing lane, sequence in the lane, and when it was (meant to be) sent.</summary>
    public readonly record struct Fields(int Topic, int Lane, long Sequence, long SentMicros);

    public static byte[] Create(Fields fields, int size)
    {
        Span<byte> head = stackalloc byte[96];
        var length = 0;
        Write(head, ref length, "{\"k\":"u8);
        Utf8Formatter.TryFormat(fields.Topic, head[length..], out var written);
        length += written;
        Write(head, ref length, ",\"l\":"u8);
        Utf8Formatter.TryFormat(fields.Lane, head[length..], out written);
        length += written;
        Write(head, ref length, ",\"s\":"u8);
        Utf8Formatter.TryFormat(fields.Sequence, head[length..], out written);
        length += written;
        Write(head, ref length, ",\"t\":"u8);
        Utf8Formatter.TryFormat(fields.SentMicros, head[length..], out written);
        length += written;
        Write(head, ref length, ",\"p\":\""u8);

        // Padding fills up to the requested size; an event never gets shorter than its fields.
        var padding = Math.Max(0, size - length - 2);
        var body = new byte[length + padding + 2];
        head[..length].CopyTo(body);
        body.AsSpan(length, padding).Fill((byte)'x');
        body[^2] = (byte)'"';
        body[^1] = (byte)'}';
        return body;
    }

    public static bool TryParse(ReadOnlySpan<byte> data, out Fields fields)
    {
        fields = default;
        if (!Expect(ref data, "{\"k\":"u8) || !Utf8Parser.TryParse(data, out int topic, out var consumed))
        {
            return false;
        }

        data = data[consumed..];
        if (!Expect(ref data, ",\"l\":"u8) || !Utf8Parser.TryParse(data, out int lane, out consumed))
        {
            return false;
        }

        data = data[consumed..];
        if (!Expect(ref data, ",\"s\":"u8) || !Utf8Parser.TryParse(data, out long sequence, out consumed))
        {
            return false;
        }

        data = data[consumed..];
        if (!Expect(ref data, ",\"t\":"u8) || !Utf8Parser.TryParse(data, out long sent, out _))
        {
            return false;
        }

        fields = new Fields(topic, lane, sequence, sent);
        return true;
    }

    private static bool Expect(ref ReadOnlySpan<byte> data, ReadOnlySpan<byte> literal)
    {
        if (!data.StartsWith(literal))
        {
            return false;
        }

        data = data[literal.Length..];
        return true;
    }

    private static void Write(Span<byte> target, ref int length, ReadOnlySpan<byte> literal)
    {
        literal.CopyTo(target[length..]);
        length += literal.Length;
    }
}
