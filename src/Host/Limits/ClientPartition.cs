namespace EventActors.Host.Limits;

/// <summary>Who a request counts against, for the per-client limits.</summary>
internal static class ClientPartition
{
    /// <summary>
    /// The token's subject (<c>sub</c>) when the request is authenticated, else the client's IP
    /// address. Authentication must run before the rate limiter for the subject to be seen; with
    /// auth off every request is anonymous and counts against its IP. Behind a reverse proxy the
    /// IP is the proxy's unless forwarded headers are applied first.
    /// </summary>
    public static string Of(HttpContext context) =>
        context.User.Identity?.IsAuthenticated == true && context.User.FindFirst("sub")?.Value is { } subject
            ? "sub:" + subject
            : "ip:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
}
