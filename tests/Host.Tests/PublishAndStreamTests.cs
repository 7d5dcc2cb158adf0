using System.Net;
using System.Text.Json;
using Xunit;

namespace EventActors.Host.Tests;

public sealed class PublishAndStreamTests(SharedHost shared) : IClassFixture<SharedHost>
{
    private HttpClient Client => shared.Client;

    [Fact]
    public async Task A_published_event_reaches_a_subscriber_with_its_type_data_and_id()
    {
        var topic = SharedHost.NewTopic("stocks");
        await using var stream = await SseStream.OpenAsync(Client, $"/topics/{topic}/stream");
        Assert.Equal("text/event-stream", stream.Response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("no-cache", stream.Response.Headers.CacheControl!.ToString());
        Assert.Equal("no", stream.Response.Headers.GetValues("X-Accel-Buffering").Single());

        await Client.WaitForSubscribersAsync(topic, 1); // a live-only stream sees what follows its subscription
        var published = await Client.PublishAsync(topic, "{\"price\":101.5}\nsecond line", type: "price");
        var item = await stream.NextAsync();

        Assert.Equal("price", item.EventType);
        Assert.Equal("{\"price\":101.5}\nsecond line", item.Data);
        Assert.Equal(published.Id, stream.LastEventId);
        Assert.Equal(1UL, published.Sequence);
    }

    [Fact]
    public async Task A_batch_is_appended_atomically_with_consecutive_sequences_and_is_readable_as_history()
    {
        var topic = SharedHost.NewTopic();
        var published = await Client.PublishBatchAsync(topic,
        [
            """{"type":"a","data":"one"}""",
            """{"data":{"nested":true}}""",
            """{"type":"c","data":"three","key":"k-3"}""",
        ]);
        Assert.Equal([1UL, 2UL, 3UL], published.Select(p => p.Sequence));

        var history = await Client.GetJsonAsync($"/topics/{topic}/events?after=1&limit=10");
        var events = history.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(["{\"nested\":true}", "three"], events.Select(e => e.GetProperty("data").GetString()));
        Assert.Equal(JsonValueKind.Null, events[0].GetProperty("type").ValueKind);
        Assert.Equal("c", events[1].GetProperty("type").GetString());
        Assert.Equal(3UL, history.GetProperty("head").GetUInt64());
    }

    [Fact]
    public async Task Many_subscribers_each_receive_every_event_in_order()
    {
        var topic = SharedHost.NewTopic();
        await Client.PublishAsync(topic, "before"); // the topic exists; subscribers start after it
        var streams = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => SseStream.OpenAsync(Client, $"/topics/{topic}/stream")));
        await Client.WaitForSubscribersAsync(topic, streams.Length);

        for (var i = 0; i < 200; i++)
        {
            await Client.PublishAsync(topic, $"event {i}");
        }

        await Task.WhenAll(streams.Select(async stream =>
        {
            var items = await stream.TakeAsync(200);
            Assert.Equal(Enumerable.Range(0, 200).Select(i => $"event {i}"), items.Select(item => item.Data));
        }));

        foreach (var stream in streams)
        {
            await stream.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_multi_topic_stream_carries_both_topics_and_its_id_resumes_both()
    {
        var news = SharedHost.NewTopic("news");
        var stocks = SharedHost.NewTopic("stocks");
        var path = $"/stream?topic={news}&topic={stocks}";
        string resumeId;
        await using (var stream = await SseStream.OpenAsync(Client, path))
        {
            await Client.WaitForSubscribersAsync(news, 1);
            await Client.WaitForSubscribersAsync(stocks, 1);
            await Client.PublishAsync(news, "n1");
            await Client.PublishAsync(stocks, "s1");
            var items = await stream.TakeAsync(2);
            Assert.Equal(["n1", "s1"], items.Select(i => i.Data).Order());
            resumeId = stream.LastEventId;
            Assert.StartsWith("m.", resumeId);
        }

        await Client.PublishAsync(news, "n2");
        await Client.PublishAsync(stocks, "s2");
        await using var resumed = await SseStream.OpenAsync(Client, path, resumeId);
        var missed = await resumed.TakeAsync(2);
        Assert.Equal(["n2", "s2"], missed.Select(i => i.Data).Order());
    }

    [Fact]
    public async Task From_earliest_replays_the_retained_history_then_goes_live()
    {
        var topic = SharedHost.NewTopic();
        await Client.PublishAsync(topic, "old 1");
        await Client.PublishAsync(topic, "old 2");
        await using var stream = await SseStream.OpenAsync(Client, $"/topics/{topic}/stream?from=earliest");
        Assert.Equal(["old 1", "old 2"], (await stream.TakeAsync(2)).Select(i => i.Data));
        await Client.PublishAsync(topic, "new");
        Assert.Equal("new", (await stream.NextAsync()).Data);
    }

    [Fact]
    public async Task A_retried_publish_with_the_same_idempotency_key_appends_nothing_new()
    {
        var topic = SharedHost.NewTopic();
        await using var stream = await SseStream.OpenAsync(Client, $"/topics/{topic}/stream?from=earliest");
        var first = await Client.PublishAsync(topic, "once", key: "order-17");
        var retry = await Client.PublishAsync(topic, "once", key: "order-17");
        var other = await Client.PublishAsync(topic, "next");

        Assert.False(first.Duplicate);
        Assert.True(retry.Duplicate);
        Assert.Equal(first.Sequence, retry.Sequence);
        Assert.Equal(first.Sequence + 1, other.Sequence);
        Assert.Equal(["once", "next"], (await stream.TakeAsync(2)).Select(i => i.Data));
    }

    [Fact]
    public async Task Topic_info_list_and_delete_describe_the_topic_and_delete_starts_a_new_epoch_numbered_on_from_the_old_head()
    {
        var topic = SharedHost.NewTopic("admin");
        var first = await Client.PublishAsync(topic, "x");
        var info = await Client.GetJsonAsync($"/topics/{topic}");
        Assert.Equal(1UL, info.GetProperty("head").GetUInt64());
        Assert.Equal(first.Id.Split('-')[0], info.GetProperty("epoch").GetString());

        var list = await Client.GetJsonAsync("/topics?limit=1000");
        Assert.Contains(list.GetProperty("topics").EnumerateArray(), t => t.GetProperty("topic").GetString() == topic);

        var deleted = await Client.DeleteAsync($"/topics/{topic}");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        var again = await Client.PublishAsync(topic, "y");
        Assert.Equal(first.Sequence + 1, again.Sequence); // numbered on: sequence numbers never restart
        Assert.NotEqual(first.Id.Split('-')[0], again.Id.Split('-')[0]);

        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync($"/topics/{SharedHost.NewTopic()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.DeleteAsync($"/topics/{SharedHost.NewTopic()}")).StatusCode);
    }
}
