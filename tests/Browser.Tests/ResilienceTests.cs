using System.Net;
using System.Text.Json;
using EventActors.Host.Tests;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace EventActors.Browser.Tests;

/// <summary>
/// The notifications page across a dropped connection, a server restart and a reset: the
/// browser's own EventSource reconnects with Last-Event-ID and the page ends up with every
/// notification exactly once, in order. Each test runs its own host, since it drops or kills it.
/// </summary>
public sealed class ResilienceTests(Chromium chromium) : IClassFixture<Chromium>
{
    private const string Topic = "users.demo.notifications";

    [Fact]
    public async Task A_dropped_connection_reconnects_by_itself_and_shows_every_event_published_meanwhile_exactly_once()
    {
        using var data = new TempDirectory();
        await using var host = await HostProcess.StartAsync(data.Path, BrowserHost.Arguments);
        await using var session = await chromium.NewSessionAsync(host.BaseAddress);
        var page = await session.OpenAsync("/notifications.html");
        await PublishAsync(host.Client, 1, 3);
        await ExpectNotificationsAsync(page, 3);

        var response = await host.Client.DeleteAsync("/connections");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("dropped").GetInt32() >= 1);
        await PublishAsync(host.Client, 4, 8); // while the browser waits its retry interval

        await page.WaitUntilLiveAsync(opens: 2);
        await ExpectNotificationsAsync(page, 8);
        await PublishAsync(host.Client, 9, 9); // and the new connection is live
        await ExpectNotificationsAsync(page, 9);
        session.AssertNoScriptErrors();
    }

    [Fact]
    public async Task A_server_restart_mid_stream_loses_nothing_and_repeats_nothing()
    {
        using var data = new TempDirectory();
        var port = HostProcess.FreePort(); // the browser reconnects to the same URL, so the restart takes the same port
        var first = await HostProcess.StartOnPortAsync(data.Path, port, BrowserHost.Arguments);
        await using var session = await chromium.NewSessionAsync(first.BaseAddress);
        IPage page;
        try
        {
            page = await session.OpenAsync("/notifications.html");
            await PublishAsync(first.Client, 1, 4);
            await ExpectNotificationsAsync(page, 4);
            first.Kill(); // SIGKILL: no graceful end of the stream
        }
        finally
        {
            await first.DisposeAsync();
        }

        await Expect(page.Locator("#status")).Not.ToHaveAttributeAsync("data-state", "open");
        await using var second = await HostProcess.StartOnPortAsync(data.Path, port, BrowserHost.Arguments);
        await PublishAsync(second.Client, 5, 7); // before or after the browser is back: either way each arrives once
        await page.WaitUntilLiveAsync(opens: 2);
        await PublishAsync(second.Client, 8, 10);
        await ExpectNotificationsAsync(page, 10);
        session.AssertNoScriptErrors();
    }

    [Fact]
    public async Task A_reset_from_the_server_is_shown_as_a_notice_and_the_page_goes_on()
    {
        using var data = new TempDirectory();
        await using var host = await HostProcess.StartAsync(data.Path, BrowserHost.Arguments);
        await using var session = await chromium.NewSessionAsync(host.BaseAddress);
        var page = await session.OpenAsync("/notifications.html");
        await PublishAsync(host.Client, 1, 2);
        await ExpectNotificationsAsync(page, 2);

        var deleted = await host.Client.DeleteAsync($"/topics/{Topic}"); // open streams get a topic-deleted reset
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        await Expect(page.Locator("#notices .notice[data-reason='topic-deleted']")).ToHaveCountAsync(1);
        await Expect(page.Locator("#notices .notice")).ToContainTextAsync(Topic);

        await host.Client.PublishAsync(Topic, """{"text":"after the reset"}""");
        await Expect(page.Locator("#notifications > li .text").First).ToHaveTextAsync("after the reset");
        await Expect(page.Locator("#count")).ToHaveTextAsync("3");
        session.AssertNoScriptErrors();
    }

    /// <summary>Publishes notifications "n{from}" to "n{to}", in order.</summary>
    private static async Task PublishAsync(HttpClient client, int from, int to)
    {
        for (var n = from; n <= to; n++)
        {
            await client.PublishAsync(Topic, JsonSerializer.Serialize(new { text = $"n{n}" }));
        }
    }

    /// <summary>The page shows exactly n1..n{count}, newest first, each once, and counts them.</summary>
    private static async Task ExpectNotificationsAsync(IPage page, int count)
    {
        var expected = Enumerable.Range(1, count).Reverse().ToArray();
        await Expect(page.Locator("#notifications > li .text")).ToHaveTextAsync(expected.Select(n => $"n{n}").ToArray());
        await Expect(page.Locator("#count")).ToHaveTextAsync(count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(expected.Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)), await page.SequencesAsync("#notifications"));
        await page.HasNoDuplicatesAsync("#notifications");
    }
}
