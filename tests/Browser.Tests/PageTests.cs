using System.Text.Json;
using EventActors.Host.Tests;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace EventActors.Browser.Tests;

/// <summary>One browser and one host for the page tests; each test uses its own page's topics.</summary>
public sealed class PagesFixture : IAsyncLifetime
{
    private readonly TempDirectory _data = new();

    public Chromium Chromium { get; } = new();

    public HostProcess Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var host = HostProcess.StartAsync(_data.Path, BrowserHost.Arguments); // starts while the browser does
        try
        {
            await Chromium.InitializeAsync();
        }
        finally
        {
            Host = await host; // disposed with the fixture even when the browser is missing
        }
    }

    public async Task DisposeAsync()
    {
        await Chromium.DisposeAsync();
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }

        _data.Dispose();
    }
}

/// <summary>Each demo page works in a real browser against the real host.</summary>
public sealed class PageTests(PagesFixture fixture) : IClassFixture<PagesFixture>
{
    private HttpClient Client => fixture.Host.Client;

    [Fact]
    public async Task Index_links_every_demo_and_shows_live_subscriber_counts()
    {
        var topic = $"index.{Guid.NewGuid():N}";
        await Client.PublishAsync(topic, "created");
        await using var session = await fixture.Chromium.NewSessionAsync(fixture.Host.BaseAddress);
        var page = await session.OpenAsync("/");

        foreach (var demo in new[] { "ticker.html", "news.html", "chat.html", "notifications.html" })
        {
            await Expect(page.Locator($"#demos a[href='{demo}']")).ToHaveCountAsync(1);
        }

        var subscribers = page.Locator($"#topics tr[data-topic='{topic}'] .subscribers");
        await Expect(subscribers).ToHaveAttributeAsync("data-subscribers", "0");
        await using (await SseStream.OpenAsync(Client, $"/topics/{topic}/stream"))
        {
            await Expect(subscribers).ToHaveAttributeAsync("data-subscribers", "1"); // the next poll sees it
        }

        await Expect(subscribers).ToHaveAttributeAsync("data-subscribers", "0");
        session.AssertNoScriptErrors();
    }

    [Fact]
    public async Task Ticker_shows_the_last_price_then_updates_one_row_per_symbol_in_place_from_one_multi_topic_stream()
    {
        await PublishPriceAsync("AAPL", 50, 0); // before the page opens: shown as the last known price
        await using var session = await fixture.Chromium.NewSessionAsync(fixture.Host.BaseAddress);
        var page = await session.OpenAsync("/ticker.html");
        await Expect(page.Locator("#prices tr[data-symbol='AAPL'] .price")).ToHaveTextAsync("50.00");
        await Expect(page.Locator("#prices tr[data-symbol='MSFT'] .price")).ToHaveTextAsync("—");
        await page.WaitUntilLiveAsync();
        foreach (var symbol in new[] { "AAPL", "MSFT", "GOOG" })
        {
            await Client.WaitForSubscribersAsync($"stocks.{symbol}", 1); // the ticker is live-only: publish once it listens
        }

        await PublishPriceAsync("AAPL", 100, 1.5);
        await PublishPriceAsync("MSFT", 200, -2);
        await PublishPriceAsync("GOOG", 300.125, 0);
        var rows = page.Locator("#prices tr");
        await Expect(rows.Locator(".price")).ToHaveTextAsync(["100.00", "200.00", "300.13"]);
        await Expect(rows.Locator(".change")).ToHaveTextAsync(["+1.50", "-2.00", "0.00"]);

        await PublishPriceAsync("AAPL", 101.25, 2.75);
        await PublishPriceAsync("AAPL", 99.5, -0.5);
        var apple = page.Locator("#prices tr[data-symbol='AAPL']");
        await Expect(apple).ToHaveAttributeAsync("data-updates", "3");
        await Expect(apple.Locator(".price")).ToHaveTextAsync("99.50");
        await Expect(apple.Locator(".change")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bdown\b"));
        await Expect(rows).ToHaveCountAsync(3); // updated in place, not appended
        await Expect(page.Locator("#prices tr[data-symbol='MSFT']")).ToHaveAttributeAsync("data-updates", "1");
        session.AssertNoScriptErrors();
    }

    [Fact]
    public async Task News_shows_history_on_load_then_new_headlines_newest_first_as_text()
    {
        await PublishHeadlineAsync("First: markets open");
        await PublishHeadlineAsync("Second: <b>not bold</b> <img src=x onerror=alert(1)>");
        await using var session = await fixture.Chromium.NewSessionAsync(fixture.Host.BaseAddress);
        var page = await session.OpenAsync("/news.html");
        var titles = page.Locator("#headlines > li .title");
        await Expect(titles).ToHaveTextAsync(["Second: <b>not bold</b> <img src=x onerror=alert(1)>", "First: markets open"]);

        await PublishHeadlineAsync("Third: live");
        await Expect(titles).ToHaveTextAsync(["Third: live", "Second: <b>not bold</b> <img src=x onerror=alert(1)>", "First: markets open"]);
        Assert.Equal(["3", "2", "1"], await page.SequencesAsync("#headlines"));
        await Expect(page.Locator("#headlines b, #headlines img")).ToHaveCountAsync(0); // event data is text, never markup
        await page.HasNoDuplicatesAsync("#headlines");
        session.AssertNoScriptErrors();
    }

    [Fact]
    public async Task Chat_message_sent_from_one_page_appears_on_every_open_page_and_after_a_reload()
    {
        var text = $"hello {Guid.NewGuid():N}";
        await using var alice = await fixture.Chromium.NewSessionAsync(fixture.Host.BaseAddress);
        await using var bob = await fixture.Chromium.NewSessionAsync(fixture.Host.BaseAddress);
        var alicePage = await alice.OpenAsync("/chat.html");
        var bobPage = await bob.OpenAsync("/chat.html");
        await alicePage.WaitUntilLiveAsync();
        await bobPage.WaitUntilLiveAsync();

        await alicePage.Locator("#compose input[name='name']").FillAsync("Alice");
        await alicePage.Locator("#compose input[name='text']").FillAsync(text);
        await alicePage.Locator("#compose button[type='submit']").ClickAsync();

        foreach (var page in new[] { alicePage, bobPage })
        {
            var message = page.Locator("#messages > li").Filter(new() { HasText = text });
            await Expect(message).ToHaveCountAsync(1);
            await Expect(message.Locator(".who")).ToHaveTextAsync("Alice");
        }

        await Expect(alicePage.Locator("#compose input[name='text']")).ToHaveValueAsync(""); // cleared once sent
        await bobPage.ReloadAsync();
        await Expect(bobPage.Locator("#messages > li .text")).ToHaveTextAsync([text]); // the history, once
        alice.AssertNoScriptErrors();
        bob.AssertNoScriptErrors();
    }

    [Fact]
    public async Task Notifications_shows_history_and_new_ones_each_once_with_a_count()
    {
        // users.demo.notifications is this test's alone in this class's host.
        const string topic = "users.demo.notifications";
        await Client.PublishAsync(topic, """{"text":"one"}""");
        await Client.PublishAsync(topic, "two, as plain text");
        await using var session = await fixture.Chromium.NewSessionAsync(fixture.Host.BaseAddress);
        var page = await session.OpenAsync("/notifications.html");
        await Expect(page.Locator("#notifications > li .text")).ToHaveTextAsync(["two, as plain text", "one"]);

        await Client.PublishAsync(topic, """{"text":"three"}""");
        await Client.PublishAsync(topic, """{"title":"four"}""", type: "notification");
        await Expect(page.Locator("#notifications > li .text")).ToHaveTextAsync(["four", "three", "two, as plain text", "one"]);
        await Expect(page.Locator("#count")).ToHaveTextAsync("4");
        await Expect(page.Locator("#status")).ToHaveAttributeAsync("data-state", "open");
        Assert.Equal(["4", "3", "2", "1"], await page.SequencesAsync("#notifications"));
        await page.HasNoDuplicatesAsync("#notifications");
        session.AssertNoScriptErrors();
    }

    private Task PublishPriceAsync(string symbol, double price, double change) =>
        Client.PublishAsync($"stocks.{symbol}", JsonSerializer.Serialize(new { symbol, price, change }), type: "price");

    private Task PublishHeadlineAsync(string title) =>
        Client.PublishAsync("news.world", JsonSerializer.Serialize(new { title, at = DateTimeOffset.UtcNow }), type: "headline");
}
