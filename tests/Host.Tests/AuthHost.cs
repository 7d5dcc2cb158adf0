using System.Net;
using System.Net.Http.Headers;
using EventActors.Host.Auth;
using EventActors.Protocol;

namespace EventActors.Host.Tests;

/// <summary>A host with an HS256 key, an issuer, an audience and public topics, and the tokens the tests send it.</summary>
public sealed class AuthHost() : HostScope(
    $"--EventActors:Auth:SigningKey={AuthHost.Key}",
    $"--EventActors:Auth:Issuer={AuthHost.Issuer}",
    $"--EventActors:Auth:Audience={AuthHost.Audience}",
    "--EventActors:Auth:PublicTopics:0=public.>",
    "--Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics=Information")
{
    public const string Key = "auth-tests-signing-key-0123456789abcdef";
    public const string Issuer = "https://issuer.test";
    public const string Audience = "eventactors-tests";

    internal static AuthOptions Options(string key = Key, string issuer = Issuer, string audience = Audience) => new()
    {
        SigningKey = key,
        PublicKeyFile = "",
        JwksFile = "",
        JwksUrl = "",
        Issuer = issuer,
        Audience = audience,
        ClockSkew = TimeSpan.FromSeconds(30),
        TokenCacheTime = TimeSpan.FromSeconds(60),
        CookieName = "eventactors_token",
        PublicTopics = TopicPatternSet.Empty,
    };

    /// <summary>A token as the token subcommand makes it, valid for an hour unless told.</summary>
    public static string Token(string[]? publish = null, string[]? subscribe = null, bool admin = false, TimeSpan? ttl = null, DateTimeOffset? now = null, string key = Key, string issuer = Issuer, string audience = Audience) =>
        TokenCommand.Create(Options(key, issuer, audience), publish ?? [], subscribe ?? [], admin, ttl ?? TimeSpan.FromHours(1), "tester", now ?? DateTimeOffset.UtcNow);

    public static HttpRequestMessage Request(HttpMethod method, string path, string? token)
    {
        var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (method == HttpMethod.Post)
        {
            request.Content = new StringContent("x");
        }

        return request;
    }

    /// <summary>The status of a request; a stream's body is not read.</summary>
    public async Task<(HttpStatusCode Status, HttpResponseMessage Response)> SendAsync(HttpRequestMessage request)
    {
        var response = await Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return (response.StatusCode, response);
    }
}
