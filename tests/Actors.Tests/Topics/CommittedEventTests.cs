using EventActors.Actors.Topics;
using EventActors.Protocol;
using Xunit;

namespace EventActors.Actors.Tests.Topics;

/// <summary>An event is encoded for the wire once, in both of its forms.</summary>
public sealed class CommittedEventTests
{
    private static readonly TopicEpoch Epoch = TopicEpoch.Parse("k3x9q2ab");

    [Fact]
    public void The_same_encoded_bytes_carry_the_single_topic_id()
    {
        var committed = new CommittedEvent(Epoch, 42, "price", "{\"p\":1}"u8);
        Assert.Equal("event: price\nid: k3x9q2ab-42\ndata: {\"p\":1}\n\n", System.Text.Encoding.UTF8.GetString(committed.Frame.Utf8Bytes.Span));
        Assert.Equal("event: price\ndata: {\"p\":1}\n\n", System.Text.Encoding.UTF8.GetString(committed.FrameWithoutId.Utf8Bytes.Span));
    }
}
