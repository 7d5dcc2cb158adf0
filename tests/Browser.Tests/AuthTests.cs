using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EventActors.Host.Tests;
using Microsoft.Playwright;
using Xunit;

namespace EventActors.Browser.Tests;

/// <summary>
/// A browser's EventSource against a node with a signing key (docs/security.md): the token in the
/// auth cookie across origins, in <c>?access_token=</c>, a stream ending at its token's expiry and
/// resumed with a fresh cookie, and no token at all. The page comes from another origin
/// (127.0.0.1 on another port, served by a listener of the test's own), which the node's CORS lists.
/// </summary>
public sealed class AuthTests(Chromium chromium) : IClassFixture<Chromium>
{
    private const string Key = "browser-tests-signing-key-0123456789abcdef";

    // The page's script: one EventSource, and what it saw, for the test to poll.
    private const string PageHtml = """
        <!doctype html>
        <html><head><meta charset="utf-8"><title>auth test page</title></head><body>
        <script>
        window.received = [];
        window.opens = 0;
        window.errors = 0;
        window.source = null;
        window.listen = (url, withCredentials) => {
          const source = new EventSource(url, { withCredentials });
          window.source = source;
          source.onopen = () => { window.opens++; };
          source.onerror = () => { window.errors++; };
          source.onmessage = event => { window.received.push({ id: event.lastEventId, data: event.data }); };
        };
        </script>
        </body></html>
        """;

    [Fact]
    public async Task An_EventSource_with_credentials_from_another_origin_receives_events_with_the_token_in_the_auth_cookie()
    {
        var topic = NewTopic();
        await using var node = await AuthNode.StartAsync();
        await using var session = await chromium.NewSessionAsync(node.PageOrigin);
        await session.AddCookieAsync(node.Host.BaseAddress, Token(subscribe: [topic]));
        var page = await node.OpenPageAsync(session);

        await ListenAsync(page, new Uri(node.Host.BaseAddress, $"/topics/{topic}/stream?from=earliest"), withCredentials: true);
        await WaitForAsync(page, "window.opens >= 1");
        await PublishAsync(node.Host.Client, topic, 1, 3);
        await ExpectReceivedAsync(page, 3);
        session.AssertNoScriptErrors();
    }

    [Fact]
    public async Task An_EventSource_with_the_token_in_access_token_receives_events()
    {
        var topic = NewTopic();
        await using var node = await AuthNode.StartAsync();
        await using var session = await chromium.NewSessionAsync(node.PageOrigin);
        var page = await node.OpenPageAsync(session);

        var token = Token(subscribe: [topic]);
        await ListenAsync(page, new Uri(node.Host.BaseAddress, $"/topics/{topic}/stream?from=earliest&access_token={token}"), withCredentials: false);
        await WaitForAsync(page, "window.opens >= 1");
        await PublishAsync(node.Host.Client, topic, 1, 3);
        await ExpectReceivedAsync(page, 3);
        session.AssertNoScriptErrors();
    }

    [Fact]
    public async Task A_stream_ends_at_its_tokens_expiry_and_the_browser_resumes_with_the_refreshed_cookie_without_gap_or_duplicate()
    {
        var topic = NewTopic();
        await using var node = await AuthNode.StartAsync();
        await using var session = await chromium.NewSessionAsync(node.PageOrigin);

        // exp a few seconds away. However slow the machine, the node's clock skew (30 s) keeps
        // this token accepted until the cookie is refreshed below: a reconnect with it after exp
        // opens a stream that ends at once, and the browser simply tries again.
        await session.AddCookieAsync(node.Host.BaseAddress, Token(subscribe: [topic], ttl: TimeSpan.FromSeconds(5)));
        var page = await node.OpenPageAsync(session);
        await ListenAsync(page, new Uri(node.Host.BaseAddress, $"/topics/{topic}/stream?from=earliest"), withCredentials: true);
        await WaitForAsync(page, "window.opens >= 1");
        await PublishAsync(node.Host.Client, topic, 1, 3);
        await ExpectReceivedAsync(page, 3);

        // The app refreshes its cookie before exp, as a login service would; the open stream
        // still ends at the old token's exp, and the browser's own reconnect sends
        // Last-Event-ID and the new cookie.
        await session.AddCookieAsync(node.Host.BaseAddress, Token(subscribe: [topic]));
        await PublishAsync(node.Host.Client, topic, 4, 5);
        await WaitForAsync(page, "window.errors >= 1"); // the stream ended (at exp)
        await PublishAsync(node.Host.Client, topic, 6, 8); // before or after the browser is back: either way each arrives once
        await WaitForAsync(page, "window.opens >= 2 && window.source.readyState === EventSource.OPEN");
        await PublishAsync(node.Host.Client, topic, 9, 10); // and the resumed stream is live
        await ExpectReceivedAsync(page, 10);
        session.AssertNoScriptErrors();
    }

    [Fact]
    public async Task Without_a_token_the_EventSource_gets_an_error_and_no_events_and_is_closed()
    {
        var topic = NewTopic();
        await using var node = await AuthNode.StartAsync();
        await PublishAsync(node.Host.Client, topic, 1, 2); // history it could otherwise replay
        await using var session = await chromium.NewSessionAsync(node.PageOrigin);
        var page = await node.OpenPageAsync(session);

        await ListenAsync(page, new Uri(node.Host.BaseAddress, $"/topics/{topic}/stream?from=earliest"), withCredentials: true);
        await WaitForAsync(page, "window.errors >= 1 && window.source.readyState === EventSource.CLOSED"); // a 401 fails the connection for good
        Assert.Equal(0, await page.EvaluateAsync<int>("window.opens"));
        Assert.Equal(0, await page.EvaluateAsync<int>("window.received.length"));
        session.AssertNoScriptErrors();
    }

    private static string NewTopic() => $"auth.b{Guid.NewGuid():N}";

    private static Task ListenAsync(IPage page, Uri url, bool withCredentials) =>
        page.EvaluateAsync("([url, withCredentials]) => window.listen(url, withCredentials)", new object[] { url.ToString(), withCredentials });

    private static Task WaitForAsync(IPage page, string condition) =>
        page.WaitForFunctionAsync(condition, null, new() { Timeout = (float)Chromium.Patience.TotalMilliseconds });

    /// <summary>Publishes "n{from}" to "n{to}", in order.</summary>
    private static async Task PublishAsync(HttpClient client, string topic, int from, int to)
    {
        for (var n = from; n <= to; n++)
        {
            await client.PublishAsync(topic, $"n{n}");
        }
    }

    /// <summary>The page received exactly n1..n{count}, in order, each once (distinct ids), and nothing more.</summary>
    private static async Task ExpectReceivedAsync(IPage page, int count)
    {
        await WaitForAsync(page, $"window.received.length >= {count.ToString(CultureInfo.InvariantCulture)}");
        var received = await page.EvaluateAsync<JsonElement>("window.received");
        var data = received.EnumerateArray().Select(e => e.GetProperty("data").GetString()).ToArray();
        var ids = received.EnumerateArray().Select(e => e.GetProperty("id").GetString()).ToArray();
        Assert.Equal(Enumerable.Range(1, count).Select(n => $"n{n}"), data);
        Assert.Equal(count, ids.Distinct().Count());
        Assert.All(ids, id => Assert.False(string.IsNullOrEmpty(id)));
    }

    /// <summary>An HS256 token with the <c>eventactors</c> claim, as the token subcommand makes it.</summary>
    private static string Token(string[]? publish = null, string[]? subscribe = null, bool admin = false, TimeSpan? ttl = null)
    {
        var now = DateTimeOffset.UtcNow;
        var payload = new Dictionary<string, object>
        {
            ["sub"] = "browser-tester",
            ["iat"] = now.ToUnixTimeSeconds(),
            ["exp"] = (now + (ttl ?? TimeSpan.FromHours(1))).ToUnixTimeSeconds(),
            ["eventactors"] = new Dictionary<string, object> { ["publish"] = publish ?? [], ["subscribe"] = subscribe ?? [], ["admin"] = admin },
        };
        var header = Base64Url("""{"alg":"HS256","typ":"JWT"}"""u8);
        var body = Base64Url(JsonSerializer.SerializeToUtf8Bytes(payload));
        var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(Key), Encoding.ASCII.GetBytes($"{header}.{body}"));
        return $"{header}.{body}.{Base64Url(signature)}";
    }

    private static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>A node with a signing key whose CORS lists the page's origin, and a client that may publish and read everything.</summary>
    private sealed class AuthNode : IAsyncDisposable
    {
        private readonly TempDirectory _data;

        private readonly HttpListener _pageServer;

        private AuthNode(TempDirectory data, HostProcess host, Uri pageOrigin, HttpListener pageServer)
        {
            _data = data;
            _pageServer = pageServer;
            Host = host;
            PageOrigin = pageOrigin;
        }

        public HostProcess Host { get; }

        /// <summary>The origin the test page is served from: the node's address on another port.</summary>
        public Uri PageOrigin { get; }

        public static async Task<AuthNode> StartAsync()
        {
            var pageOrigin = new Uri($"http://127.0.0.1:{HostProcess.FreePort().ToString(CultureInfo.InvariantCulture)}/");
            var data = new TempDirectory();
            try
            {
                var host = await HostProcess.StartAsync(data.Path, [
                    .. BrowserHost.Arguments,
                    $"--EventActors:Auth:SigningKey={Key}",
                    $"--EventActors:CorsAllowedOrigins:0={pageOrigin.GetLeftPart(UriPartial.Authority)}",
                ]);
                host.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(publish: [">"], subscribe: [">"], admin: true));
                var pageServer = new HttpListener();
                pageServer.Prefixes.Add(pageOrigin.ToString());
                pageServer.Start();
                _ = ServePageAsync(pageServer);
                return new AuthNode(data, host, pageOrigin, pageServer);
            }
            catch
            {
                data.Dispose();
                throw;
            }
        }

        /// <summary>
        /// Opens the test page on <see cref="PageOrigin"/>, served by a real listener on loopback:
        /// a page Playwright fulfils itself has no network address, and Chromium's local-network
        /// checks then refuse its requests to a loopback node.
        /// </summary>
        public Task<IPage> OpenPageAsync(BrowserSession session) => session.OpenAsync(PageOrigin.ToString());

        private static async Task ServePageAsync(HttpListener server)
        {
            var page = Encoding.UTF8.GetBytes(PageHtml);
            while (server.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await server.GetContextAsync();
                }
                catch (Exception) when (!server.IsListening)
                {
                    return; // stopped
                }

                context.Response.ContentType = "text/html; charset=utf-8";
                await context.Response.OutputStream.WriteAsync(page);
                context.Response.Close();
            }
        }

        public async ValueTask DisposeAsync()
        {
            _pageServer.Stop();
            _pageServer.Close();
            await Host.DisposeAsync();
            _data.Dispose();
        }
    }
}
