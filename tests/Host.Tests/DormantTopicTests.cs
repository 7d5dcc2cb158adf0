using Xunit;

namespace EventActors.Host.Tests;

/// <summary>
/// A topic idle past its timeout: its actor stops and its state stays in the node's memory
/// (dormant), and a reader or publisher that comes back finds it exactly where it was.
/// </summary>
public sealed class DormantTopicTests() : HostScope("--EventActors:TopicIdleTimeout=1s")
{
    [Fact]
    public async Task A_topic_idle_past_its_timeout_is_held_dormant_and_a_reader_resumes_it_exactly()
    {
        var topic = SharedHost.NewTopic("dormant");
        var published = await Client.PublishBatchAsync(topic, ["""{"data":"e1"}""", """{"data":"e2"}""", """{"data":"e3"}"""]);

        await ClusterProbe.WaitUntilAsync(async () =>
        {
            var health = await Client.GetJsonAsync("/health");
            return health.GetProperty("topicActors").GetInt32() == 0 && health.GetProperty("dormantTopics").GetInt32() == 1;
        }, "the idle topic's actor stopped and its state was kept dormant");
        var described = await Client.GetJsonAsync($"/topics/{topic}"); // wakes it
        Assert.Equal(3UL, described.GetProperty("head").GetUInt64());
        Assert.Equal(0, (await Client.GetJsonAsync("/health")).GetProperty("dormantTopics").GetInt32());

        // A reader one behind gets the newest event, then the next one live, under the same epoch.
        await using var stream = await SseStream.OpenAsync(Client, $"/topics/{topic}/stream", published[1].Id);
        var resumed = await stream.NextAsync();
        Assert.Equal(("e3", published[2].Id), (resumed.Data, stream.LastEventId));
        var next = await Client.PublishAsync(topic, "e4");
        Assert.Equal(4UL, next.Sequence);
        Assert.Equal("e4", (await stream.NextAsync()).Data);
        Assert.Equal(next.Id, stream.LastEventId);
    }
}
