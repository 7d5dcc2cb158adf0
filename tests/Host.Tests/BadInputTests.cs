using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Xunit;

namespace EventActors.Host.Tests;

/// <summary>Every input a publisher or subscriber controls gets a defined answer.</summary>
public sealed class BadInputTests(SharedHost shared) : IClassFixture<SharedHost>
{
    private HttpClient Client => shared.Client;

    [Theory]
    [InlineData("a..b")]
    [InlineData(".leading")]
    [InlineData("trailing.")]
    [InlineData("has%20space")]
    [InlineData("sl%2Fash")]
    public async Task An_invalid_topic_name_is_refused_with_400_and_the_reason(string topic)
    {
        var publish = await Client.PostAsync($"/topics/{topic}/events", new StringContent("x"));
        Assert.Equal(HttpStatusCode.BadRequest, publish.StatusCode);
        Assert.Contains("Topic name", await publish.Content.ReadAsStringAsync());

        var stream = await Client.GetAsync($"/topics/{topic}/stream");
        Assert.Equal(HttpStatusCode.BadRequest, stream.StatusCode);
    }

    [Fact]
    public async Task A_topic_name_over_the_length_limit_is_refused()
    {
        var response = await Client.PostAsync($"/topics/{new string('a', 201)}/events", new StringContent("x"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task A_body_over_the_configured_limit_is_refused_with_413_and_nothing_is_appended()
    {
        var topic = SharedHost.NewTopic();
        var response = await Client.PostAsync($"/topics/{topic}/events", new ByteArrayContent(new byte[64 * 1024 + 1]));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync($"/topics/{topic}")).StatusCode);
    }

    [Fact]
    public async Task A_body_that_is_not_utf8_is_refused_with_400()
    {
        var response = await Client.PostAsync($"/topics/{SharedHost.NewTopic()}/events", new ByteArrayContent([0x61, 0xC3, 0x28, 0xFF]));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("UTF-8", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("a%0Db")]
    [InlineData("a%0Ab")]
    [InlineData("a%00b")]
    public async Task An_event_type_with_CR_LF_or_NUL_is_refused_with_400(string type)
    {
        var response = await Client.PostAsync($"/topics/{SharedHost.NewTopic()}/events?type={type}", new StringContent("x"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("{\"type\":\"a\"}")]
    [InlineData("{\"data\":\"x\",\"extra\":1}")]
    [InlineData("{\"data\":\"x\",\"type\":\"a\\nb\"}")]
    public async Task A_malformed_batch_line_is_refused_with_400_naming_the_line(string line)
    {
        var content = new StringContent("{\"data\":\"fine\"}\n" + line, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        var topic = SharedHost.NewTopic();
        var response = await Client.PostAsync($"/topics/{topic}/events", content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Line 2", await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync($"/topics/{topic}")).StatusCode); // atomic: nothing appended
    }

    [Fact]
    public async Task An_idempotency_key_with_control_characters_is_refused()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/topics/{SharedHost.NewTopic()}/events") { Content = new StringContent("x") };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", "has space");
        Assert.Equal(HttpStatusCode.BadRequest, (await Client.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task Too_many_topics_on_one_stream_is_refused_with_400_naming_the_limit()
    {
        var query = string.Join("&", Enumerable.Range(0, 65).Select(i => $"topic=many.t{i}"));
        var response = await Client.GetAsync($"/stream?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("64", await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.BadRequest, (await Client.GetAsync("/stream")).StatusCode);
    }

    [Fact]
    public async Task Invalid_history_parameters_are_refused_with_400()
    {
        var topic = SharedHost.NewTopic();
        await Client.PublishAsync(topic, "x");
        Assert.Equal(HttpStatusCode.BadRequest, (await Client.GetAsync($"/topics/{topic}/events?after=-1")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Client.GetAsync($"/topics/{topic}/events?limit=100000")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Client.GetAsync($"/topics/{topic}/stream?from=latest")).StatusCode);
    }
}
