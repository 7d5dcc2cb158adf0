using Xunit;

namespace EventActors.Host.Tests;

/// <summary>
/// Age retention reaches idle topics too: a topic published to once and then left (its actor
/// passivated) has its old events trimmed by the node's sweep, without a publish or a reader to
/// start it, and a reader that comes back for them is told that history was trimmed.
/// </summary>
public abstract class AgeRetentionSweepTests(params string[] arguments) : HostScope(
    [
        "--EventActors:TopicIdleTimeout=1s",
        "--EventActors:RetentionMaxAge=2s",
        "--EventActors:RetentionSweepInterval=1s",
        .. arguments,
    ])
{
    [Fact]
    public async Task An_idle_topic_whose_events_grew_old_is_trimmed_without_being_published_to_or_read()
    {
        var topic = SharedHost.NewTopic("sweep");
        var published = await Client.PublishBatchAsync(topic, ["""{"data":"e1"}""", """{"data":"e2"}"""]);
        await ClusterProbe.WaitUntilAsync(async () => (await Client.GetJsonAsync("/health")).GetProperty("topicActors").GetInt32() == 0,
            "the idle topic's actor stopped");

        // The topic applies its age limit itself only once a minute while it runs, and it is not
        // running: only the sweep can trim it. The list reads stored state without starting it.
        // (Akka.Persistence.Sql lists a topic by its events: once all are trimmed, it is not listed.)
        await ClusterProbe.WaitUntilAsync(async () =>
        {
            var listed = (await Client.GetJsonAsync($"/topics?after={topic[..^1]}&limit=1")).GetProperty("topics").EnumerateArray().SingleOrDefault();
            return HostProcess.OnAkkaSql
                ? listed.ValueKind == System.Text.Json.JsonValueKind.Undefined
                : listed.GetProperty("topic").GetString() == topic && listed.GetProperty("firstSequence").GetUInt64() == 3;
        }, "the sweep trimmed the idle topic's old events");

        await using var stream = await SseStream.OpenAsync(Client, $"/topics/{topic}/stream", published[0].Id);
        ResumeTests.AssertReset(await stream.NextAsync(), "history-trimmed", continuesAfter: published[1].Id);
        var next = await Client.PublishAsync(topic, "e3");
        Assert.Equal(3UL, next.Sequence);
        Assert.Equal("e3", (await stream.NextAsync()).Data);
    }
}

/// <summary>The idle topic's state is held in memory (dormant): the sweep wakes it from there.</summary>
public sealed class DormantTopicAgeRetentionSweepTests() : AgeRetentionSweepTests;

/// <summary>No memory for idle topics: the sweep starts the topic from the journal (cold).</summary>
public sealed class ColdTopicAgeRetentionSweepTests() : AgeRetentionSweepTests("--EventActors:DormantTopicsMaxBytes=0");
