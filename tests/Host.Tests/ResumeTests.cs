using System.Net.ServerSentEvents;
using System.Text.Json;
using Xunit;

namespace EventActors.Host.Tests;

public sealed class ResumeTests(SharedHost shared) : IClassFixture<SharedHost>
{
    private HttpClient Client => shared.Client;

    [Fact]
    public async Task Resume_after_a_drop_at_every_point_of_a_1000_event_run_delivers_each_event_exactly_once_while_publishing_goes_on()
    {
        const int total = 1000;
        var topic = SharedHost.NewTopic("resume");
        await Client.PublishAsync(topic, "0"); // event 1; the run is events 2..1001

        var publishing = Task.Run(async () =>
        {
            for (var i = 1; i <= total; i++)
            {
                await Client.PublishAsync(topic, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        });

        // A client that drops its connection after every single event and resumes from the id
        // it last saw, as a browser's EventSource does, racing the publisher the whole time.
        var received = new List<string>(total);
        string lastId;
        await using (var first = await SseStream.OpenAsync(Client, $"/topics/{topic}/stream?from=earliest"))
        {
            Assert.Equal("0", (await first.NextAsync()).Data);
            lastId = first.LastEventId;
        }

        while (received.Count < total)
        {
            await using var stream = await SseStream.OpenAsync(Client, $"/topics/{topic}/stream", lastId);
            received.Add((await stream.NextAsync()).Data);
            lastId = stream.LastEventId;
        }

        await publishing;
        Assert.Equal(Enumerable.Range(1, total).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), received);
    }

    [Fact]
    public async Task A_malformed_id_gives_a_reset_event_and_the_live_stream_instead_of_an_error()
    {
        var topic = SharedHost.NewTopic();
        var head = await Client.PublishAsync(topic, "history");
        await using var stream = await SseStream.OpenAsync(Client, $"/topics/{topic}/stream", "not-an-id");
        var reset = await stream.NextAsync();
        AssertReset(reset, "malformed-id", continuesAfter: head.Id);
        Assert.Equal(head.Id, stream.LastEventId);

        await Client.PublishAsync(topic, "live");
        Assert.Equal("live", (await stream.NextAsync()).Data);
    }

    [Fact]
    public async Task An_oversized_id_is_treated_as_malformed_without_being_echoed_whole()
    {
        var topic = SharedHost.NewTopic();
        var head = await Client.PublishAsync(topic, "history");
        await using var stream = await SseStream.OpenAsync(Client, $"/topics/{topic}/stream", new string('a', 4000));
        var reset = await stream.NextAsync();
        AssertReset(reset, "malformed-id", continuesAfter: head.Id);
        using var json = JsonDocument.Parse(reset.Data);
        Assert.True(json.RootElement.GetProperty("requested").GetString()!.Length <= 200);
    }

    [Fact]
    public async Task The_id_query_parameter_resumes_a_first_connection_and_the_header_wins_over_it()
    {
        var topic = SharedHost.NewTopic();
        var one = await Client.PublishAsync(topic, "one");
        var two = await Client.PublishAsync(topic, "two");
        await Client.PublishAsync(topic, "three");

        await using (var byQuery = await SseStream.OpenAsync(Client, $"/topics/{topic}/stream?lastEventId={one.Id}"))
        {
            Assert.Equal("two", (await byQuery.NextAsync()).Data);
        }

        await using var both = await SseStream.OpenAsync(Client, $"/topics/{topic}/stream?lastEventId={one.Id}", two.Id);
        Assert.Equal("three", (await both.NextAsync()).Data);
    }

    [Fact]
    public async Task An_id_from_before_the_topic_was_deleted_resets_to_the_new_epoch()
    {
        var topic = SharedHost.NewTopic();
        var old = await Client.PublishAsync(topic, "old");
        await Client.DeleteAsync($"/topics/{topic}");
        var fresh = await Client.PublishAsync(topic, "fresh");

        await using var stream = await SseStream.OpenAsync(Client, $"/topics/{topic}/stream", old.Id);
        var reset = await stream.NextAsync();
        // The new epoch numbers on from the old head: it starts after the deleted event's sequence.
        AssertReset(reset, "stale-epoch", continuesAfter: $"{fresh.Id.Split('-')[0]}-{old.Sequence}");
        Assert.Equal("fresh", (await stream.NextAsync()).Data);
    }

    [Fact]
    public async Task A_subscriber_is_told_when_its_topic_is_deleted_under_it()
    {
        var topic = SharedHost.NewTopic();
        await Client.PublishAsync(topic, "before");
        await using var stream = await SseStream.OpenAsync(Client, $"/topics/{topic}/stream");
        await Client.WaitForSubscribersAsync(topic, 1);
        await Client.DeleteAsync($"/topics/{topic}");
        var reset = await stream.NextAsync();
        Assert.Equal("eventactors.reset", reset.EventType);
        Assert.Contains("\"topic-deleted\"", reset.Data);
        var after = await Client.PublishAsync(topic, "after");
        Assert.Equal("after", (await stream.NextAsync()).Data);
        Assert.Equal(after.Id, stream.LastEventId);
    }

    [Fact]
    public async Task An_id_ahead_of_the_head_resets_to_the_head()
    {
        var topic = SharedHost.NewTopic();
        var head = await Client.PublishAsync(topic, "only");
        var epoch = head.Id.Split('-')[0];
        await using var stream = await SseStream.OpenAsync(Client, $"/topics/{topic}/stream", $"{epoch}-999");
        AssertReset(await stream.NextAsync(), "ahead-of-head", continuesAfter: head.Id);
    }

    internal static void AssertReset(SseItem<string> item, string reason, string continuesAfter)
    {
        Assert.Equal("eventactors.reset", item.EventType);
        using var json = JsonDocument.Parse(item.Data);
        Assert.Equal(reason, json.RootElement.GetProperty("reason").GetString());
        Assert.Equal(continuesAfter, json.RootElement.GetProperty("continuesAfter").GetString());
    }
}

/// <summary>Retention trims history; a client that asks for trimmed events is told so, then gets what remains.</summary>
public sealed class TrimmedHistoryTests() : HostScope("--EventActors:RetentionMaxEvents=10", "--EventActors:RingSize=4")
{
    [Fact]
    public async Task An_id_before_the_retained_history_resets_to_the_oldest_retained_event_then_replays_the_rest()
    {
        var topic = SharedHost.NewTopic("trim");
        var published = new List<Api.Published>();
        for (var i = 1; i <= 30; i++)
        {
            published.Add(await Client.PublishAsync(topic, $"e{i}"));
        }

        // Retention runs after appends; wait until the journal reports the trim.
        var deadline = DateTime.UtcNow + SseStream.ReadTimeout;
        while ((await Client.GetJsonAsync($"/topics/{topic}")).GetProperty("firstSequence").GetUInt64() < 21)
        {
            Assert.True(DateTime.UtcNow < deadline, "retention did not trim");
        }

        var info = await Client.GetJsonAsync($"/topics/{topic}");
        var first = info.GetProperty("firstSequence").GetUInt64();
        await using var stream = await SseStream.OpenAsync(Client, $"/topics/{topic}/stream", published[4].Id);
        ResumeTests.AssertReset(await stream.NextAsync(), "history-trimmed", continuesAfter: published[(int)first - 2].Id);
        var rest = await stream.TakeAsync(30 - (int)first + 1);
        Assert.Equal(Enumerable.Range((int)first, 30 - (int)first + 1).Select(i => $"e{i}"), rest.Select(r => r.Data));
    }
}
