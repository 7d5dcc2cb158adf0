using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace EventActors.Host.Auth;

/// <summary>
/// The keys of <c>EventActors:Auth:JwksUrl</c>, fetched on first use and cached, handed to
/// JwtBearer as its configuration. JwtBearer asks for a refresh when a token names a key the set
/// lacks (a rotation); a refresh fetches again at most once per <see cref="MinRefreshInterval"/>,
/// so tokens with invented key ids cannot make the node hammer the key server.
/// </summary>
internal sealed class JwksUrlKeys(Uri url, HttpClient http) : IConfigurationManager<OpenIdConnectConfiguration>
{
    /// <summary>Fewest time between two fetches: guards the key server against tokens with unknown kids.</summary>
    public static readonly TimeSpan MinRefreshInterval = TimeSpan.FromMinutes(5);

    /// <summary>Longest a fetched set is used without fetching again, so a removed key stops working.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromHours(1);

    private readonly SemaphoreSlim _fetching = new(1, 1);
    private OpenIdConnectConfiguration? _current;
    private DateTimeOffset _fetchedAt;
    private bool _refreshRequested;

    public async Task<OpenIdConnectConfiguration> GetConfigurationAsync(CancellationToken cancel)
    {
        var now = DateTimeOffset.UtcNow;
        if (_current is { } current && now - _fetchedAt < MaxAge && !(_refreshRequested && now - _fetchedAt >= MinRefreshInterval))
        {
            return current;
        }

        await _fetching.WaitAsync(cancel);
        try
        {
            now = DateTimeOffset.UtcNow;
            if (_current is { } fresh && now - _fetchedAt < MinRefreshInterval)
            {
                return fresh;
            }

            try
            {
                var json = await http.GetStringAsync(url, cancel);
                var configuration = new OpenIdConnectConfiguration();
                foreach (var key in new JsonWebKeySet(json).GetSigningKeys())
                {
                    configuration.SigningKeys.Add(key);
                }

                (_current, _fetchedAt, _refreshRequested) = (configuration, now, false);
                return configuration;
            }
            catch (Exception error) when (_current is not null && error is HttpRequestException or TaskCanceledException or ArgumentException)
            {
                _fetchedAt = now; // the key server is down: keep the last set, try again later
                return _current;
            }
        }
        finally
        {
            _fetching.Release();
        }
    }

    public void RequestRefresh() => _refreshRequested = true;
}
