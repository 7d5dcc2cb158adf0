namespace EventActors.Browser.Tests;

/// <summary>How the browser tests start the host.</summary>
internal static class BrowserHost
{
    /// <summary>
    /// A short <c>retry:</c> (200 ms), so a browser reconnects quickly after a dropped connection or
    /// a restart; the default (2 s) would only make the tests slower, not different.
    /// </summary>
    public static readonly string[] Arguments = ["--EventActors:RetryMilliseconds=200"];
}
