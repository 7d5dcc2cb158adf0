using EventActors.Actors.Topics;
using EventActors.Protocol;
using Xunit;

namespace EventActors.Actors.Tests.Topics;

/// <summary>An event is encoded for the wire at most once in each of its forms, when first asked for.</summary>
public sealed class CommittedEventTests
{
    private static readonly TopicEpoch Epoch = TopicEpoch.Parse("k3x9q2ab");

    [Fact]
    public void The_same_encoded_bytes_carry_the_single_topic_id()
    {
        var committed = new CommittedEvent(Epoch, 42, "price", "{\"p\":1}"u8.ToArray());
        Assert.Equal("event: price\nid: k3x9q2ab-42\ndata: {\"p\":1}\n\n", System.Text.Encoding.UTF8.GetString(committed.Frame.Utf8Bytes.Span));
        Assert.Equal("event: price\ndata: {\"p\":1}\n\n", System.Text.Encoding.UTF8.GetString(committed.FrameWithoutId.Utf8Bytes.Span));
    }

    [Fact]
    public void Every_reader_gets_the_one_encoding_even_when_many_ask_at_once()
    {
        var committed = new CommittedEvent(Epoch, 7, null, "{\"p\":2}"u8.ToArray());
        var frames = new EncodedSseEvent[64];
        Parallel.For(0, frames.Length, i => frames[i] = i % 2 == 0 ? committed.Frame : committed.FrameWithoutId);

        Assert.All(frames.Where((_, i) => i % 2 == 0), frame => Assert.Same(committed.Frame, frame));
        Assert.All(frames.Where((_, i) => i % 2 == 1), frame => Assert.Same(committed.FrameWithoutId, frame));
        Assert.Equal("id: k3x9q2ab-7\ndata: {\"p\":2}\n\n", System.Text.Encoding.UTF8.GetString(committed.Frame.Utf8Bytes.Span));
    }
}
