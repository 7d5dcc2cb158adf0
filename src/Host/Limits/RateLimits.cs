using System.Globalization;
using System.Threading.RateLimiting;
using EventActors.Host.Publishing;
using Microsoft.AspNetCore.RateLimiting;

namespace EventActors.Host.Limits;

/// <summary>
/// The per-client limits on publishes and open streams, as ASP.NET Core rate-limiter policies,
/// and the 429 every limit answers with. A limit that is off adds no policy, so an endpoint
/// without one pays nothing per request.
/// </summary>
internal static class RateLimits
{
    public const string PublishPolicy = "publish";
    public const string StreamPolicy = "stream";

    public static IServiceCollection AddEventActorsRateLimits(this IServiceCollection services, ServerOptions options)
    {
        var limits = options.Limits;
        return services.AddRateLimiter(rateLimiter =>
        {
            if (limits.LimitsPublishes)
            {
                // A token bucket: a burst of PublishBurst, refilled by PublishesPerSecond each second.
                rateLimiter.AddPolicy(PublishPolicy, context => RateLimitPartition.GetTokenBucketLimiter(ClientPartition.Of(context), _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = limits.PublishBurst,
                    TokensPerPeriod = limits.PublishesPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0, // answer at once: a queued publish would hold its request and body
                    AutoReplenishment = true,
                }));
            }

            if (limits.LimitsStreams)
            {
                // The rate-limiting middleware holds the lease until the endpoint's task ends, and a
                // stream's task is its lifetime: the permit is back when the stream ends, however it ends.
                rateLimiter.AddPolicy(StreamPolicy, context => RateLimitPartition.GetConcurrencyLimiter(ClientPartition.Of(context), _ => new ConcurrencyLimiterOptions
                {
                    PermitLimit = limits.OpenStreams,
                    QueueLimit = 0,
                }));
            }

            rateLimiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            rateLimiter.OnRejected = (rejected, _) =>
            {
                var policy = rejected.HttpContext.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName;
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait)
                    ? wait
                    : TimeSpan.FromMilliseconds(options.RetryMilliseconds); // a stream's slot: no one knows when it frees
                var detail = policy == StreamPolicy
                    ? $"This client already has {limits.OpenStreams} open streams (EventActors:Limits:OpenStreams); close one or use one stream for several topics (/stream?topic=a&topic=b)."
                    : $"This client may make {limits.PublishesPerSecond} publish requests a second, {limits.PublishBurst} at once (EventActors:Limits:PublishesPerSecond, PublishBurst).";
                return new ValueTask(TooManyRequests(rejected.HttpContext, retryAfter, detail));
            };
        });
    }

    /// <summary>The endpoints' policies, where their limits are on.</summary>
    public static TBuilder WithRateLimit<TBuilder>(this TBuilder endpoint, string policy, bool enabled)
        where TBuilder : IEndpointConventionBuilder =>
        enabled ? endpoint.RequireRateLimiting(policy) : endpoint;

    /// <summary>429 with <c>Retry-After</c> in whole seconds (at least 1) and a problem-details body.</summary>
    public static Task TooManyRequests(HttpContext context, TimeSpan retryAfter, string detail)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return new Problem(StatusCodes.Status429TooManyRequests, "Too many requests", $"{detail} Retry after {seconds} s.").ToResult().ExecuteAsync(context);
    }
}
