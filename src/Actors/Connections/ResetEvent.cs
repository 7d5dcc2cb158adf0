using System.Buffers;
using System.Text.Json;
using EventActors.Actors.Topics;
using EventActors.Protocol;

namespace EventActors.Actors.Connections;

/// <summary>
/// The <c>eventactors.reset</c> event: tells a client that it did not get exactly what it asked
/// for, why, and from where the stream continues. Never a silent gap.
/// </summary>
internal static class ResetEvent
{
    public static readonly SseEventType Type = new("eventactors.reset");

    private const int MaxEchoedIdLength = 200; // the client's own header, echoed: keep it short

    public static string ReasonText(ResetReason reason) => reason switch
    {
        ResetReason.MalformedId => "malformed-id",
        ResetReason.StaleEpoch => "stale-epoch",
        ResetReason.HistoryTrimmed => "history-trimmed",
        ResetReason.AheadOfHead => "ahead-of-head",
        ResetReason.TopicDeleted => "topic-deleted",
        _ => reason.ToString(),
    };

    /// <param name="continuesAfter">The id of the position the stream continues from; also the frame's id.</param>
    public static void Write(IBufferWriter<byte> output, TopicName topic, ResetReason reason, string? requested, string continuesAfter)
    {
        var json = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            writer.WriteString("reason", ReasonText(reason));
            writer.WriteString("topic", topic.Value);
            if (requested is not null)
            {
                writer.WriteString("requested", requested.Length > MaxEchoedIdLength ? requested[..MaxEchoedIdLength] : requested);
            }

            writer.WriteString("continuesAfter", continuesAfter);
            writer.WriteEndObject();
        }

        SseFrame.Write(output, json.WrittenSpan, Type, new SseEventId(continuesAfter));
    }
}
