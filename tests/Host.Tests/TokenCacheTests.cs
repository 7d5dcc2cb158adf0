using System.Net;
using System.Text.Json;
using Xunit;

namespace EventActors.Host.Tests;

/// <summary>A node with no clock skew, so that a token's exp is exactly where it stops working.</summary>
public sealed class NoSkewAuthHost() : HostScope(
    $"--EventActors:Auth:SigningKey={AuthHost.Key}",
    "--EventActors:Auth:ClockSkew=0s");

/// <summary>Validated tokens are reused (EventActors:Auth:TokenCacheTime), but never past their expiry.</summary>
public sealed class TokenCacheTests(NoSkewAuthHost host) : IClassFixture<NoSkewAuthHost>
{
    [Fact]
    public async Task A_token_reused_from_the_cache_still_stops_working_at_its_expiry()
    {
        var topic = $"c{Guid.NewGuid():N}.a";

        // A token that lives five seconds, accepted twice (the second time from the cache). On a
        // machine so slow that the first publish comes after exp, try again with a fresh one.
        string token;
        DateTimeOffset expires;
        while (true)
        {
            var now = DateTimeOffset.UtcNow;
            expires = DateTimeOffset.FromUnixTimeSeconds((now + TimeSpan.FromSeconds(5)).ToUnixTimeSeconds()); // exp as the token has it, in whole seconds
            token = AuthHost.Token([topic], now: now, ttl: TimeSpan.FromSeconds(5));
            var first = await PublishAsync(topic, token);
            var second = await PublishAsync(topic, token);
            if (first == HttpStatusCode.Created && second == HttpStatusCode.Created)
            {
                break;
            }

            Assert.True(DateTimeOffset.UtcNow >= expires, $"a valid token was refused: {first}, {second}");
        }

        // Once exp has passed, the very token that was cached is refused as expired: publish with
        // it until it is, within a deadline. Accepted, it must have been sent before its exp (the
        // node's clock read it no earlier than the send).
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        HttpResponseMessage response;
        while (true)
        {
            using var request = AuthHost.Request(HttpMethod.Post, $"/topics/{topic}/events", token);
            var sentAt = DateTimeOffset.UtcNow;
            response = await host.Client.SendAsync(request, deadline.Token);
            if (response.StatusCode != HttpStatusCode.Created)
            {
                break;
            }

            response.Dispose();
            Assert.True(sentAt <= expires, $"a token was accepted after its exp ({expires:O}), sent at {sentAt:O}");
            await Task.Delay(TimeSpan.FromMilliseconds(100), deadline.Token);
        }

        using var _ = response;
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("expired", response.Headers.WwwAuthenticate.ToString());
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("The token has expired.", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_refused_token_is_refused_every_time()
    {
        var topic = $"c{Guid.NewGuid():N}.a";
        var wrongKey = AuthHost.Token([topic], key: "another-signing-key-0123456789abcdefgh");
        Assert.Equal(HttpStatusCode.Unauthorized, await PublishAsync(topic, wrongKey));
        Assert.Equal(HttpStatusCode.Unauthorized, await PublishAsync(topic, wrongKey));

        var valid = AuthHost.Token([topic]);
        Assert.Equal(HttpStatusCode.Created, await PublishAsync(topic, valid));
        var tampered = valid[..^2] + (valid[^2] == 'A' ? "B" : "A") + valid[^1]; // the signature changed: a different string, not a cache hit
        Assert.Equal(HttpStatusCode.Unauthorized, await PublishAsync(topic, tampered));
    }

    private async Task<HttpStatusCode> PublishAsync(string topic, string token)
    {
        using var request = AuthHost.Request(HttpMethod.Post, $"/topics/{topic}/events", token);
        using var response = await host.Client.SendAsync(request);
        return response.StatusCode;
    }
}
