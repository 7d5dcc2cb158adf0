using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Xunit;

namespace EventActors.Host.Tests;

/// <summary>Who may publish, stream, read history and administer, on a real host with a key (docs/security.md).</summary>
public sealed class AuthorizationTests(AuthHost host) : IClassFixture<AuthHost>
{
    public enum Credential { None, Malformed, WrongKey, Expired, WrongIssuer, WrongAudience, WithoutTheRight, WithTheRight }

    public enum Route { Publish, SingleTopicStream, MultiTopicStream, History, TopicInfo, DeleteTopic, DropConnections, Cluster }

    public static TheoryData<Credential, Route> Matrix()
    {
        var data = new TheoryData<Credential, Route>();
        foreach (var credential in Enum.GetValues<Credential>())
        {
            foreach (var route in Enum.GetValues<Route>())
            {
                data.Add(credential, route);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Every_route_answers_every_credential_with_the_exact_status(Credential credential, Route route)
    {
        var prefix = $"m{Guid.NewGuid():N}";
        var topic = $"{prefix}.a";
        var admin = route is Route.DeleteTopic or Route.DropConnections or Route.Cluster;
        var rights = new[] { $"{prefix}.>" };
        var others = new[] { "elsewhere.>" };
        var token = credential switch
        {
            Credential.None => null,
            Credential.Malformed => "not.a-token",
            Credential.WrongKey => AuthHost.Token(rights, rights, admin, key: "another-signing-key-0123456789abcdef"),
            Credential.Expired => AuthHost.Token(rights, rights, admin, ttl: TimeSpan.FromMinutes(1), now: DateTimeOffset.UtcNow.AddHours(-1)),
            Credential.WrongIssuer => AuthHost.Token(rights, rights, admin, issuer: "https://other.test"),
            Credential.WrongAudience => AuthHost.Token(rights, rights, admin, audience: "another-service"),
            Credential.WithoutTheRight => AuthHost.Token(others, others, admin: false),
            Credential.WithTheRight => AuthHost.Token(rights, rights, admin),
            _ => throw new UnreachableException(),
        };

        // The topic exists (an admin published to it), so history and delete have something to find.
        await host.SendAsync(AuthHost.Request(HttpMethod.Post, $"/topics/{topic}/events", AuthHost.Token(rights, admin: true)));
        var (method, path) = route switch
        {
            Route.Publish => (HttpMethod.Post, $"/topics/{topic}/events"),
            Route.SingleTopicStream => (HttpMethod.Get, $"/topics/{topic}/stream"),
            Route.MultiTopicStream => (HttpMethod.Get, $"/stream?topic={topic}&topic={prefix}.b"),
            Route.History => (HttpMethod.Get, $"/topics/{topic}/events"),
            Route.TopicInfo => (HttpMethod.Get, $"/topics/{topic}"),
            Route.DeleteTopic => (HttpMethod.Delete, $"/topics/{topic}"),
            Route.DropConnections => (HttpMethod.Delete, "/connections"),
            Route.Cluster => (HttpMethod.Get, "/cluster"),
            _ => throw new UnreachableException(),
        };

        var (status, response) = await host.SendAsync(AuthHost.Request(method, path, token));
        using (response)
        {
            var expected = credential switch
            {
                Credential.WithTheRight => route == Route.Publish ? HttpStatusCode.Created : HttpStatusCode.OK,
                Credential.WithoutTheRight => HttpStatusCode.Forbidden,
                _ => HttpStatusCode.Unauthorized,
            };
            Assert.Equal(expected, status);
            if (status == HttpStatusCode.Unauthorized)
            {
                Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString());
            }

            if (status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }
    }

    [Fact]
    public async Task A_multi_topic_stream_with_one_forbidden_topic_is_refused_whole_naming_it()
    {
        var prefix = $"m{Guid.NewGuid():N}";
        var token = AuthHost.Token(subscribe: [$"{prefix}.*"]);
        var (status, response) = await host.SendAsync(AuthHost.Request(HttpMethod.Get, $"/stream?topic={prefix}.a&topic=secret.{prefix}", token));
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains($"secret.{prefix}", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_refusal_says_the_same_whether_the_topic_exists_or_not()
    {
        var existing = $"m{Guid.NewGuid():N}.a";
        await host.SendAsync(AuthHost.Request(HttpMethod.Post, $"/topics/{existing}/events", AuthHost.Token([existing])));
        var missing = $"m{Guid.NewGuid():N}.a";
        var token = AuthHost.Token(subscribe: ["elsewhere"]);
        async Task<string> DetailAsync(string topic)
        {
            var (status, response) = await host.SendAsync(AuthHost.Request(HttpMethod.Get, $"/topics/{topic}/events", token));
            Assert.Equal(HttpStatusCode.Forbidden, status);
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString()!.Replace(topic, "T", StringComparison.Ordinal);
        }

        Assert.Equal(await DetailAsync(existing), await DetailAsync(missing));
    }

    [Fact]
    public async Task A_cookie_token_streams()
    {
        var topic = $"m{Guid.NewGuid():N}.a";
        var request = AuthHost.Request(HttpMethod.Get, $"/topics/{topic}/stream", null);
        request.Headers.Add("Cookie", $"eventactors_token={AuthHost.Token(subscribe: [topic])}");
        var (status, response) = await host.SendAsync(request);
        response.Dispose();
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task A_query_token_streams_but_does_not_publish()
    {
        var topic = $"m{Guid.NewGuid():N}.a";
        var token = AuthHost.Token([topic], [topic]);
        var (streamStatus, stream) = await host.SendAsync(AuthHost.Request(HttpMethod.Get, $"/topics/{topic}/stream?access_token={token}", null));
        stream.Dispose();
        Assert.Equal(HttpStatusCode.OK, streamStatus);
        var (multiStatus, multi) = await host.SendAsync(AuthHost.Request(HttpMethod.Get, $"/stream?topic={topic}&access_token={token}", null));
        multi.Dispose();
        Assert.Equal(HttpStatusCode.OK, multiStatus);
        var (publishStatus, _) = await host.SendAsync(AuthHost.Request(HttpMethod.Post, $"/topics/{topic}/events?access_token={token}", null));
        Assert.Equal(HttpStatusCode.Unauthorized, publishStatus);
    }

    [Fact]
    public async Task Anyone_may_subscribe_to_a_public_topic_but_not_publish_to_it()
    {
        var topic = $"public.{Guid.NewGuid():N}";
        var (streamStatus, stream) = await host.SendAsync(AuthHost.Request(HttpMethod.Get, $"/topics/{topic}/stream", null));
        stream.Dispose();
        Assert.Equal(HttpStatusCode.OK, streamStatus);
        var (publishStatus, _) = await host.SendAsync(AuthHost.Request(HttpMethod.Post, $"/topics/{topic}/events", null));
        Assert.Equal(HttpStatusCode.Unauthorized, publishStatus);
    }

    [Fact]
    public async Task The_topic_list_shows_only_the_topics_the_token_may_read()
    {
        var prefix = $"m{Guid.NewGuid():N}";
        var publisher = AuthHost.Token([$"{prefix}.>"]);
        foreach (var topic in new[] { $"{prefix}.mine", $"{prefix}.theirs" })
        {
            Assert.Equal(HttpStatusCode.Created, (await host.SendAsync(AuthHost.Request(HttpMethod.Post, $"/topics/{topic}/events", publisher))).Status);
        }

        var (status, response) = await host.SendAsync(AuthHost.Request(HttpMethod.Get, "/topics", AuthHost.Token(subscribe: [$"{prefix}.mine"])));
        Assert.Equal(HttpStatusCode.OK, status);
        var names = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("topics").EnumerateArray()
            .Select(topic => topic.GetProperty("topic").GetString()!).ToArray();
        Assert.Equal([$"{prefix}.mine"], names);
    }

    [Fact]
    public async Task Health_says_auth_is_on() =>
        Assert.Equal("on", (await host.Client.GetJsonAsync("/health")).GetProperty("auth").GetString());

    [Fact]
    public async Task A_stream_ends_cleanly_at_its_tokens_expiry_and_resumes_with_a_fresh_token_without_gap_or_duplicate()
    {
        var topic = $"m{Guid.NewGuid():N}.a";
        var publisher = AuthHost.Token([topic]);
        foreach (var data in new[] { "1", "2" })
        {
            await host.SendAsync(AuthHost.Request(HttpMethod.Post, $"/topics/{topic}/events", publisher));
        }

        // exp one second from now: within the clock skew, so the token is accepted however slow
        // the machine, and the stream is due to end as soon as it is open.
        var shortLived = AuthHost.Token(subscribe: [topic], ttl: TimeSpan.FromSeconds(1));
        var received = new List<string>();
        string lastId;
        await using (var first = await SseStream.OpenAsync(host.Client, $"/topics/{topic}/stream?from=earliest&access_token={shortLived}"))
        {
            while (true)
            {
                try
                {
                    received.Add((await first.NextAsync()).EventId!);
                }
                catch (EndOfStreamException)
                {
                    break; // ended cleanly: the response finished, no reset, no error
                }
            }

            lastId = first.LastEventId;
        }

        await host.SendAsync(AuthHost.Request(HttpMethod.Post, $"/topics/{topic}/events", publisher)); // "3", while no one listens
        var fresh = AuthHost.Token(subscribe: [topic]);
        var resume = $"/topics/{topic}/stream?access_token={fresh}" + (lastId.Length == 0 ? "&from=earliest" : "");
        await using var second = await SseStream.OpenAsync(host.Client, resume, lastId.Length == 0 ? null : lastId);
        while (received.Count < 3)
        {
            received.Add((await second.NextAsync()).EventId!);
        }

        Assert.Equal(3, received.Distinct().Count()); // three events, each once; a gap would leave the read above waiting
    }

    [Fact]
    public async Task No_token_text_appears_in_the_log()
    {
        var topic = $"m{Guid.NewGuid():N}.a";
        var token = AuthHost.Token(subscribe: [topic]);
        var signature = token[(token.LastIndexOf('.') + 1)..];
        var (status, response) = await host.SendAsync(AuthHost.Request(HttpMethod.Get, $"/topics/{topic}/stream?access_token={token}&lastEventId=", null));
        response.Dispose();
        Assert.Equal(HttpStatusCode.OK, status);

        await host.Host.WaitForOutputAsync($"/topics/{topic}/stream?access_token=[redacted]", TimeSpan.FromMinutes(2));

        Assert.DoesNotContain(signature, host.Host.Output);
    }
}
