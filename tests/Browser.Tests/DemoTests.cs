using EventActors.Host.Tests;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace EventActors.Browser.Tests;

/// <summary><c>--demo</c> feeds the ticker and the news, so the pages move on a first start.</summary>
public sealed class DemoTests(Chromium chromium) : IClassFixture<Chromium>
{
    [Fact]
    public async Task Demo_mode_moves_the_ticker_and_the_news_by_itself()
    {
        using var data = new TempDirectory();
        // --demo last: a bare switch followed by another argument would take that argument as its value.
        await using var host = await HostProcess.StartAsync(data.Path, [.. BrowserHost.Arguments, "--demo"]);
        await using var session = await chromium.NewSessionAsync(host.BaseAddress);

        var ticker = await session.OpenAsync("/ticker.html");
        foreach (var symbol in new[] { "AAPL", "MSFT", "GOOG" })
        {
            var row = ticker.Locator($"#prices tr[data-symbol='{symbol}']");
            await Expect(row.Locator(".price")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d+\.\d\d$"));
            await Expect(row).Not.ToHaveAttributeAsync("data-updates", "0");
        }

        var news = await session.OpenAsync("/news.html");
        await Expect(news.Locator("#headlines > li .title").First).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"\w+ \w+"));
        session.AssertNoScriptErrors();
    }
}
