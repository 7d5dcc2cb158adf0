using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace EventActors.Browser.Tests;

/// <summary>What the tests read off the demo pages, through the attributes the pages keep for that.</summary>
internal static class PageAssertions
{
    /// <summary>The connection is open: #status says so once the EventSource has opened (at least <paramref name="opens"/> times).</summary>
    public static async Task WaitUntilLiveAsync(this IPage page, int opens = 1)
    {
        await Expect(page.Locator("#status")).ToHaveAttributeAsync("data-state", "open");
        await page.WaitForFunctionAsync("n => Number(document.getElementById('status').dataset.opens) >= n", opens,
            new() { Timeout = (float)Chromium.Patience.TotalMilliseconds });
    }

    /// <summary>The data-seq of each item of a list, in page order.</summary>
    public static Task<string[]> SequencesAsync(this IPage page, string listSelector) =>
        page.Locator(listSelector + " > li").EvaluateAllAsync<string[]>("items => items.map(item => item.dataset.seq)");

    /// <summary>The page received no event twice (its list counts any repeat in data-duplicates).</summary>
    public static Task HasNoDuplicatesAsync(this IPage page, string listSelector) =>
        Expect(page.Locator(listSelector)).ToHaveAttributeAsync("data-duplicates", "0");
}
