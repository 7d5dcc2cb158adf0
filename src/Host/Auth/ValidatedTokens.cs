using System.Security.Claims;
using Microsoft.Extensions.Caching.Memory;

namespace EventActors.Host.Auth;

/// <summary>
/// Tokens JwtBearer has already validated, reused for <c>EventActors:Auth:TokenCacheTime</c>:
/// a publisher sends the same token with every publish, and checking its signature and claims
/// each time was a tenth of the node's CPU when publishing to many topics (docs/benchmarks.md).
/// An entry is keyed by the whole token, so only the very token that passed is reused; it lasts
/// no longer than the token itself (exp plus the clock skew, as JwtBearer accepts it), and no
/// longer than the cache time, which bounds how long a token signed by a key just removed from a
/// key set still works. A token that failed is never kept, nor a stream's (checked once per
/// connection, not per request). At most <see cref="MaxTokens"/>:
/// beyond that MemoryCache evicts, so a client with many tokens costs a validation each, not memory.
/// </summary>
internal sealed class ValidatedTokens(TimeSpan cacheTime, TimeSpan clockSkew) : IDisposable
{
    public const int MaxTokens = 10_000;

    private readonly MemoryCache _tokens = new(new MemoryCacheOptions { SizeLimit = MaxTokens });

    public bool TryGet(string token, out ClaimsPrincipal principal) =>
        _tokens.TryGetValue(token, out principal!);

    /// <param name="validTo">The token's exp; <see cref="DateTime.MinValue"/> when it has none.</param>
    public void Add(string token, ClaimsPrincipal principal, DateTime validTo)
    {
        var until = DateTimeOffset.UtcNow + cacheTime;
        if (validTo != DateTime.MinValue)
        {
            var expires = new DateTimeOffset(DateTime.SpecifyKind(validTo, DateTimeKind.Utc)) + clockSkew;
            until = expires < until ? expires : until;
        }

        _tokens.Set(token, principal, new MemoryCacheEntryOptions { AbsoluteExpiration = until, Size = 1 });
    }

    public void Dispose() => _tokens.Dispose();
}
