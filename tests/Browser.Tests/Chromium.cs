using Microsoft.Playwright;
using Xunit;

namespace EventActors.Browser.Tests;

/// <summary>
/// Debian's Chromium driven by Playwright, one browser per test class. Playwright's own browser
/// download cannot work on these machines, so the system browser is required: a missing one is
/// a failure that says how to install it, never a skipped test.
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    public const string ExecutablePath = "/usr/bin/chromium";

    /// <summary>The longest any wait on the page lasts: an upper bound only a broken page reaches, however loaded the machine.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private IPlaywright? _playwright;

    static Chromium() => Assertions.SetDefaultExpectTimeout((float)Patience.TotalMilliseconds);

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException(
                $"Chromium is not installed at {ExecutablePath}. The browser tests drive Debian's chromium package: " +
                "run scripts/test.sh (it installs it) or 'apt-get install chromium'. A Playwright browser download cannot work here.");
        }

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            // --no-sandbox: the tests run as root, where Chromium's sandbox refuses to start.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    /// <summary>A fresh browser profile (cookies, storage, cache) whose relative URLs go to <paramref name="baseAddress"/>.</summary>
    public async Task<BrowserSession> NewSessionAsync(Uri baseAddress)
    {
        var context = await Browser.NewContextAsync(new() { BaseURL = baseAddress.ToString() });
        context.SetDefaultTimeout((float)Patience.TotalMilliseconds);
        return new BrowserSession(context);
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}

/// <summary>One browser profile and its pages; records uncaught script errors so a test can assert there were none.</summary>
public sealed class BrowserSession(IBrowserContext context) : IAsyncDisposable
{
    private readonly List<string> _scriptErrors = [];

    public async Task<IPage> OpenAsync(string path)
    {
        var page = await context.NewPageAsync();
        page.PageError += (_, error) =>
        {
            lock (_scriptErrors)
            {
                _scriptErrors.Add($"{page.Url}: {error}");
            }
        };
        await page.GotoAsync(path);
        return page;
    }

    /// <summary>Sets an HttpOnly, SameSite=Lax cookie for <paramref name="url"/>'s host, as an app's login response would (replacing one of the same name).</summary>
    public Task AddCookieAsync(Uri url, string value, string name = "eventactors_token") =>
        context.AddCookiesAsync([new Cookie { Name = name, Value = value, Url = url.ToString(), HttpOnly = true, SameSite = SameSiteAttribute.Lax }]);

    public void AssertNoScriptErrors()
    {
        lock (_scriptErrors)
        {
            Assert.True(_scriptErrors.Count == 0, "Uncaught script errors:\n" + string.Join("\n", _scriptErrors));
        }
    }

    public ValueTask DisposeAsync() => context.DisposeAsync();
}
