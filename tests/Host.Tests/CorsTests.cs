using System.Net;
using Xunit;

namespace EventActors.Host.Tests;

/// <summary>Browsers on another origin may publish and subscribe, with credentials, when allowed.</summary>
public sealed class CorsTests() : HostScope($"--EventActors:CorsAllowedOrigins:0={AllowedOrigin}")
{
    private const string AllowedOrigin = "https://app.example.com";

    [Fact]
    public async Task A_preflight_from_an_allowed_origin_allows_Last_Event_ID_with_credentials()
    {
        var preflight = new HttpRequestMessage(HttpMethod.Options, "/topics/cors.test/stream");
        preflight.Headers.Add("Origin", AllowedOrigin);
        preflight.Headers.Add("Access-Control-Request-Method", "GET");
        preflight.Headers.Add("Access-Control-Request-Headers", "last-event-id");
        var response = await Client.SendAsync(preflight);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(AllowedOrigin, response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("true", response.Headers.GetValues("Access-Control-Allow-Credentials").Single());
        Assert.Contains("last-event-id", response.Headers.GetValues("Access-Control-Allow-Headers").Single(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_publish_and_a_stream_from_an_allowed_origin_carry_the_cors_grant()
    {
        var publish = new HttpRequestMessage(HttpMethod.Post, "/topics/cors.test/events") { Content = new StringContent("x") };
        publish.Headers.Add("Origin", AllowedOrigin);
        var published = await Client.SendAsync(publish);
        Assert.Equal(HttpStatusCode.Created, published.StatusCode);
        Assert.Equal(AllowedOrigin, published.Headers.GetValues("Access-Control-Allow-Origin").Single());

        var stream = new HttpRequestMessage(HttpMethod.Get, "/topics/cors.test/stream?from=earliest");
        stream.Headers.Add("Origin", AllowedOrigin);
        using var response = await Client.SendAsync(stream, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(AllowedOrigin, response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("true", response.Headers.GetValues("Access-Control-Allow-Credentials").Single());
    }

    [Fact]
    public async Task An_origin_that_is_not_listed_gets_no_cors_grant()
    {
        var preflight = new HttpRequestMessage(HttpMethod.Options, "/topics/cors.test/stream");
        preflight.Headers.Add("Origin", "https://evil.example.net");
        preflight.Headers.Add("Access-Control-Request-Method", "GET");
        preflight.Headers.Add("Access-Control-Request-Headers", "last-event-id");
        var response = await Client.SendAsync(preflight);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }
}

/// <summary>A node can be drained: every stream ends, and its client resumes exactly.</summary>
public sealed class DrainTests : HostScope
{
    [Fact]
    public async Task Dropping_all_connections_ends_every_stream_and_a_resume_misses_nothing()
    {
        var topic = SharedHost.NewTopic("drain");
        string lastId;
        await using (var stream = await SseStream.OpenAsync(Client, $"/topics/{topic}/stream?from=earliest"))
        {
            await Client.PublishAsync(topic, "before");
            Assert.Equal("before", (await stream.NextAsync()).Data);
            lastId = stream.LastEventId;

            var dropped = await Client.DeleteAsync("/connections");
            Assert.Equal(HttpStatusCode.OK, dropped.StatusCode);
            Assert.True(await stream.EndsAsync());
        }

        await Client.PublishAsync(topic, "while away");
        await using var resumed = await SseStream.OpenAsync(Client, $"/topics/{topic}/stream", lastId);
        Assert.Equal("while away", (await resumed.NextAsync()).Data);
    }
}
