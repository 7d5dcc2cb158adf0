using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace EventActors.Host.Limits;

/// <summary>
/// New connections per second per client IP (<c>EventActors:Limits:NewConnectionsPerSecond</c>).
/// Counted where Kestrel accepts a connection, before TLS and before any request, so a client
/// that opens connections and sends nothing counts too. A connection over the rate is not cut
/// at once: its first request is answered 429 with Retry-After and the connection closed, so
/// that an HTTP client learns to back off (a bare close reads as a network fault, which clients
/// retry at once). One that never sends a request is closed by RequestHeadersTimeout.
/// </summary>
internal sealed class ConnectionRateLimit(LimitOptions limits) : IDisposable
{
    /// <summary>The connection item that marks a connection over the rate, with the wait it was told.</summary>
    private static readonly object OverRate = new();

    private readonly PartitionedRateLimiter<IPAddress> _limiter = PartitionedRateLimiter.Create<IPAddress, IPAddress>(address =>
        RateLimitPartition.GetTokenBucketLimiter(address, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = limits.NewConnectionsPerSecond, // a burst of one second's worth
            TokensPerPeriod = limits.NewConnectionsPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    /// <summary>Kestrel connection middleware: counts the connection against its IP and marks it when over.</summary>
    public void Apply(ListenOptions listen) => listen.Use(next => connection =>
    {
        if (connection.RemoteEndPoint is IPEndPoint { Address: var address })
        {
            using var lease = _limiter.AttemptAcquire(address);
            if (!lease.IsAcquired)
            {
                connection.Items[OverRate] = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
            }
        }

        return next(connection);
    });

    /// <summary>HTTP middleware: the first request of a connection over the rate gets the 429, and the connection closes after it.</summary>
    public Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (context.Features.Get<IConnectionItemsFeature>()?.Items is { } items && items.TryGetValue(OverRate, out var wait))
        {
            context.Response.Headers.Connection = "close";
            return RateLimits.TooManyRequests(context, (TimeSpan)wait!,
                $"This address opened more than {limits.NewConnectionsPerSecond} connections in a second (EventActors:Limits:NewConnectionsPerSecond); reuse connections.");
        }

        return next(context);
    }

    public void Dispose() => _limiter.Dispose();
}
