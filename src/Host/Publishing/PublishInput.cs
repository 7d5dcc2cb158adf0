using System.Buffers;
using System.Text.Json;
using System.Text.Unicode;
using EventActors.Protocol;

namespace EventActors.Host.Publishing;

/// <summary>One event as a publisher sent it, validated.</summary>
internal sealed record EventInput(ReadOnlyMemory<byte> Data, string? Type, string? IdempotencyKey);

/// <summary>A request the server refuses, as an RFC 9457 problem.</summary>
internal sealed record Problem(int Status, string Title, string Detail)
{
    public IResult ToResult() => Results.Problem(detail: Detail, statusCode: Status, title: Title);

    /// <summary>The 400 for a topic name that breaks the grammar, or null (and the name) when it is valid.</summary>
    public static Problem? ForTopic(string text, out TopicName name) =>
        TopicName.TryParse(text, out name, out var error) ? null : new Problem(400, "Invalid topic name", error!);
}

/// <summary>
/// Reads and validates the body of <c>POST /topics/{topic}/events</c>: a single event (the body
/// is the data, byte for byte) or an NDJSON batch. Every rule a publisher can break has its own
/// answer here; nothing reaches a topic that the journal or the wire format would refuse.
/// </summary>
internal static class PublishInputReader
{
    public const string NdjsonMediaType = "application/x-ndjson";

    public static async Task<(IReadOnlyList<EventInput>? Events, Problem? Problem)> ReadAsync(
        HttpRequest request, ServerOptions options, CancellationToken cancellationToken)
    {
        var isBatch = request.ContentType is { } contentType &&
            contentType.Split(';')[0].Trim().Equals(NdjsonMediaType, StringComparison.OrdinalIgnoreCase);
        var limit = isBatch ? options.MaxBatchBytes : options.MaxEventBytes;

        if (request.ContentLength > limit)
        {
            return (null, TooLarge(limit, isBatch));
        }

        var body = await ReadBodyAsync(request.Body, request.ContentLength, limit, cancellationToken);
        if (body is null)
        {
            return (null, TooLarge(limit, isBatch));
        }

        if (!Utf8.IsValid(body))
        {
            return (null, new Problem(400, "Body is not UTF-8", "Event data must be valid UTF-8 text."));
        }

        if (!isBatch)
        {
            if (CheckType(request.Query["type"].ToString(), options, "The 'type' query parameter") is { } typeProblem)
            {
                return (null, typeProblem);
            }

            var key = request.Headers["Idempotency-Key"].ToString();
            if (CheckKey(key, options, "The Idempotency-Key header") is { } keyProblem)
            {
                return (null, keyProblem);
            }

            var type = request.Query["type"].ToString();
            return ([new EventInput(body, type.Length == 0 ? null : type, key.Length == 0 ? null : key)], null);
        }

        return ReadBatch(body, options);
    }

    private static Problem TooLarge(int limit, bool isBatch) => new(413, "Body too large",
        isBatch
            ? $"An NDJSON batch may be at most {limit} bytes (EventActors:MaxBatchBytes)."
            : $"An event may be at most {limit} bytes (EventActors:MaxEventBytes).");

    /// <summary>The body, or null when it is longer than <paramref name="limit"/> bytes.</summary>
    /// <remarks>
    /// With a Content-Length (already checked against the limit) the body is read straight into
    /// an array of its size: one allocation of the event's size per publish. Growing a buffer from
    /// 16 KiB instead cost ~48 KiB per publish, 83 % of everything the server allocated in the
    /// ticker benchmark (docs/benchmarks.md, allocations).
    /// </remarks>
    private static async Task<byte[]?> ReadBodyAsync(Stream body, long? contentLength, int limit, CancellationToken cancellationToken)
    {
        if (contentLength is { } length)
        {
            var data = new byte[length];
            await body.ReadExactlyAsync(data, cancellationToken); // Kestrel ends the body at Content-Length
            return data;
        }

        // Chunked: grow as the bytes come, and stop at the limit.
        var buffer = new ArrayBufferWriter<byte>(Math.Min(limit + 1, 4 * 1024));
        while (true)
        {
            // Never more than one byte past the limit: enough to know the body is too large.
            var room = buffer.GetMemory();
            var read = await body.ReadAsync(room[..Math.Min(room.Length, limit + 1 - buffer.WrittenCount)], cancellationToken);
            if (read == 0)
            {
                return buffer.WrittenSpan.ToArray();
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > limit)
            {
                return null; // stop reading: a hostile body costs at most the limit
            }
        }
    }

    private static (IReadOnlyList<EventInput>? Events, Problem? Problem) ReadBatch(byte[] body, ServerOptions options)
    {
        var events = new List<EventInput>();
        var lineNumber = 0;
        ReadOnlyMemory<byte> rest = body;
        while (!rest.IsEmpty)
        {
            lineNumber++;
            var end = rest.Span.IndexOf((byte)'\n');
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? ReadOnlyMemory<byte>.Empty : rest[(end + 1)..];
            if (line.Span.Trim(" \t\r"u8).IsEmpty)
            {
                continue;
            }

            if (events.Count == options.MaxBatchEvents)
            {
                return (null, new Problem(413, "Batch too large",
                    $"A batch may hold at most {options.MaxBatchEvents} events (EventActors:MaxBatchEvents)."));
            }

            var (input, problem) = ReadBatchLine(line, lineNumber, options);
            if (problem is not null)
            {
                return (null, problem);
            }

            events.Add(input!);
        }

        return events.Count == 0
            ? (null, new Problem(400, "Empty batch", "An NDJSON batch must hold at least one event."))
            : (events, null);
    }

    private static (EventInput? Input, Problem? Problem) ReadBatchLine(ReadOnlyMemory<byte> line, int lineNumber, ServerOptions options)
    {
        Problem Bad(string detail) => new(400, "Malformed batch line", $"Line {lineNumber}: {detail}");

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException error)
        {
            return (null, Bad($"not valid JSON ({error.Message})."));
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, Bad("must be a JSON object such as {\"type\": \"...\", \"data\": \"...\", \"key\": \"...\"}."));
            }

            byte[]? data = null;
            string? type = null;
            string? key = null;
            foreach (var property in document.RootElement.EnumerateObject())
            {
                switch (property.Name)
                {
                    case "data":
                        // A string is the data itself; any other JSON value is kept as its JSON text.
                        data = property.Value.ValueKind == JsonValueKind.String
                            ? System.Text.Encoding.UTF8.GetBytes(property.Value.GetString()!)
                            : System.Text.Encoding.UTF8.GetBytes(property.Value.GetRawText());
                        break;
                    case "type" when property.Value.ValueKind == JsonValueKind.String:
                        type = property.Value.GetString();
                        break;
                    case "key" when property.Value.ValueKind == JsonValueKind.String:
                        key = property.Value.GetString();
                        break;
                    case "type" or "key" when property.Value.ValueKind == JsonValueKind.Null:
                        break;
                    case "type" or "key":
                        return (null, Bad($"'{property.Name}' must be a string."));
                    default:
                        return (null, Bad($"unknown field '{property.Name}'; the fields are data, type and key."));
                }
            }

            if (data is null)
            {
                return (null, Bad("the field 'data' is missing."));
            }

            if (data.Length > options.MaxEventBytes)
            {
                return (null, new Problem(413, "Event too large",
                    $"Line {lineNumber}: an event may be at most {options.MaxEventBytes} bytes (EventActors:MaxEventBytes)."));
            }

            if (CheckType(type, options, $"Line {lineNumber}: 'type'") is { } typeProblem)
            {
                return (null, typeProblem);
            }

            if (CheckKey(key, options, $"Line {lineNumber}: 'key'") is { } keyProblem)
            {
                return (null, keyProblem);
            }

            return (new EventInput(data, string.IsNullOrEmpty(type) ? null : type, string.IsNullOrEmpty(key) ? null : key), null);
        }
    }

    private static Problem? CheckType(string? type, ServerOptions options, string what)
    {
        if (string.IsNullOrEmpty(type))
        {
            return null;
        }

        if (type.Length > options.MaxEventTypeLength)
        {
            return new Problem(400, "Invalid event type", $"{what} may be at most {options.MaxEventTypeLength} characters.");
        }

        return SseEventType.TryCreate(type, out _)
            ? null
            : new Problem(400, "Invalid event type", $"{what} must not contain CR, LF or NUL (they would break the SSE framing).");
    }

    private static Problem? CheckKey(string? key, ServerOptions options, string what)
    {
        if (string.IsNullOrEmpty(key))
        {
            return null;
        }

        if (key.Length > options.MaxIdempotencyKeyLength)
        {
            return new Problem(400, "Invalid idempotency key", $"{what} may be at most {options.MaxIdempotencyKeyLength} characters.");
        }

        foreach (var character in key)
        {
            if (character is < '!' or > '~')
            {
                return new Problem(400, "Invalid idempotency key", $"{what} may contain only visible ASCII characters.");
            }
        }

        return null;
    }
}
