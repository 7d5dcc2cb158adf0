using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Xunit;

namespace EventActors.Actors.Tests.Connections;

/// <summary>
/// Reads what a connection actor wrote to its response, one SSE frame at a time, as the raw text
/// it is: comments (heartbeats) included, which an SSE parser such as
/// <c>System.Net.ServerSentEvents.SseParser</c> hides. The actor writes every field as
/// <c>name: value\n</c> and ends every frame with a blank line, so a frame is the text up to
/// and including the first <c>\n\n</c>.
/// </summary>
internal sealed class ResponseReader(PipeReader reader, TimeSpan deadline)
{
    private readonly List<byte> _unparsed = []; // taken from the pipe, not yet returned as frames

    /// <summary>The next frame; waits up to the deadline for it to be flushed.</summary>
    public async Task<Frame> ReadFrameAsync()
    {
        using var timeout = new CancellationTokenSource(deadline);
        while (true)
        {
            if (TakeFrame() is { } frame)
            {
                return frame;
            }

            ReadResult result;
            try
            {
                result = await reader.ReadAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                throw new TimeoutException($"No complete frame was flushed within {deadline}; unparsed: \"{Encoding.UTF8.GetString([.. _unparsed])}\"");
            }

            _unparsed.AddRange(result.Buffer.ToArray());
            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return TakeFrame() ?? throw new InvalidOperationException($"The response ended mid-frame: \"{Encoding.UTF8.GetString([.. _unparsed])}\"");
            }
        }
    }

    /// <summary>
    /// Waits for the next flush and holds its bytes unread: the pipe counts them against its
    /// pause threshold until <see cref="Release"/>. The writer's flush completes only then.
    /// </summary>
    public async Task<ReadResult> HoldNextFlushAsync()
    {
        Assert.Empty(_unparsed);
        using var timeout = new CancellationTokenSource(deadline);
        return await reader.ReadAsync(timeout.Token);
    }

    /// <summary>The text of a held flush.</summary>
    public static string TextOf(ReadResult held) => Encoding.UTF8.GetString(held.Buffer.ToArray());

    /// <summary>Reads the held bytes: the writer may go on, and they are returned as frames from here.</summary>
    public void Release(ReadResult held)
    {
        _unparsed.AddRange(held.Buffer.ToArray());
        reader.AdvanceTo(held.Buffer.End);
    }

    /// <summary>
    /// Nothing was flushed beyond the frames already read. Call it only once the actor has handled
    /// everything that could have made it write (a round trip through its mailbox): a flush that
    /// completes hands its bytes to this reader before the actor takes its next message.
    /// </summary>
    public void AssertNothingMoreWritten()
    {
        Assert.Equal("", Encoding.UTF8.GetString([.. _unparsed]));
        if (reader.TryRead(out var result))
        {
            var text = TextOf(result);
            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End); // leave it for the next read
            Assert.Equal("", text);
        }
    }

    private Frame? TakeFrame()
    {
        for (var i = 1; i < _unparsed.Count; i++)
        {
            if (_unparsed[i - 1] == '\n' && _unparsed[i] == '\n')
            {
                var text = Encoding.UTF8.GetString(_unparsed.GetRange(0, i + 1).ToArray());
                _unparsed.RemoveRange(0, i + 1);
                return Frame.Parse(text);
            }
        }

        return null;
    }

    /// <summary>One frame: its raw text and its fields. <see cref="Data"/> joins data lines with LF.</summary>
    public sealed record Frame(string Raw, string? Id, string? Event, string? Data, string? Retry, IReadOnlyList<string> Comments, int IdLines)
    {
        public bool IsHeartbeat => Raw == ": heartbeat\n\n";

        public static Frame Parse(string raw)
        {
            string? id = null, type = null, data = null, retry = null;
            var comments = new List<string>();
            var idLines = 0;
            foreach (var line in raw.Split('\n').Where(l => l.Length > 0))
            {
                var colon = line.IndexOf(':');
                var name = colon < 0 ? line : line[..colon];
                var value = colon < 0 ? "" : line[(colon + 1)..];
                value = value.StartsWith(' ') ? value[1..] : value; // spec: one leading space is removed
                switch (name)
                {
                    case "":
                        comments.Add(value);
                        break;
                    case "id":
                        id = value;
                        idLines++;
                        break;
                    case "event":
                        type = value;
                        break;
                    case "data":
                        data = data is null ? value : $"{data}\n{value}";
                        break;
                    case "retry":
                        retry = value;
                        break;
                    default:
                        throw new InvalidOperationException($"A field the server does not write: \"{line}\"");
                }
            }

            return new Frame(raw, id, type, data, retry, comments, idLines);
        }
    }
}
