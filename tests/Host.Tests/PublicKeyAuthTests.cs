using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Xunit;

namespace EventActors.Host.Tests;

/// <summary>Tokens signed with a private key whose public half the node has: a PEM file (RS256) and a key set file with two keys (ES256, rotation).</summary>
public sealed class PublicKeyAuthTests
{
    private static string Sign(SecurityKey key, string algorithm, string topic) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Expires = DateTime.UtcNow.AddHours(1),
        Claims = new Dictionary<string, object>
        {
            ["eventactors"] = JsonSerializer.SerializeToElement(new { subscribe = new[] { topic } }),
        },
        SigningCredentials = new SigningCredentials(key, algorithm),
    });

    private static async Task<HttpStatusCode> StreamStatusAsync(HostProcess host, string topic, string token)
    {
        var request = AuthHost.Request(HttpMethod.Get, $"/topics/{topic}/stream", token);
        using var response = await host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return response.StatusCode;
    }

    [Fact]
    public async Task An_RS256_token_is_accepted_with_the_PEM_public_key_and_a_HS256_one_made_from_that_key_is_not()
    {
        using var data = new TempDirectory();
        using var rsa = RSA.Create(2048);
        var pem = Path.Combine(data.Path, "public.pem");
        await File.WriteAllTextAsync(pem, rsa.ExportSubjectPublicKeyInfoPem());
        await using var host = await HostProcess.StartAsync(Path.Combine(data.Path, "journal"), $"--EventActors:Auth:PublicKeyFile={pem}");
        var topic = $"m{Guid.NewGuid():N}.a";

        Assert.Equal(HttpStatusCode.OK, await StreamStatusAsync(host, topic, Sign(new RsaSecurityKey(rsa), SecurityAlgorithms.RsaSha256, topic)));

        // The classic confusion attack: the public key's text as an HMAC secret.
        var confused = Sign(new SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes(await File.ReadAllTextAsync(pem))), SecurityAlgorithms.HmacSha256, topic);
        Assert.Equal(HttpStatusCode.Unauthorized, await StreamStatusAsync(host, topic, confused));
    }

    [Fact]
    public async Task Both_keys_of_a_key_set_file_are_accepted_and_a_third_is_not()
    {
        using var data = new TempDirectory();
        var keys = Enumerable.Range(0, 3).Select(i => new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP256)) { KeyId = $"key-{i}" }).ToArray();
        var set = new { keys = keys.Take(2).Select(key => JsonWebKeyConverter.ConvertFromECDsaSecurityKey(new ECDsaSecurityKey(ECDsa.Create(key.ECDsa.ExportParameters(false))) { KeyId = key.KeyId }))
            .Select(jwk => new { kty = jwk.Kty, crv = jwk.Crv, x = jwk.X, y = jwk.Y, kid = jwk.Kid, use = "sig", alg = "ES256" }) };
        var jwks = Path.Combine(data.Path, "keys.json");
        await File.WriteAllTextAsync(jwks, JsonSerializer.Serialize(set));
        await using var host = await HostProcess.StartAsync(Path.Combine(data.Path, "journal"), $"--EventActors:Auth:JwksFile={jwks}");
        var topic = $"m{Guid.NewGuid():N}.a";

        Assert.Equal(HttpStatusCode.OK, await StreamStatusAsync(host, topic, Sign(keys[0], SecurityAlgorithms.EcdsaSha256, topic)));
        Assert.Equal(HttpStatusCode.OK, await StreamStatusAsync(host, topic, Sign(keys[1], SecurityAlgorithms.EcdsaSha256, topic)));
        Assert.Equal(HttpStatusCode.Unauthorized, await StreamStatusAsync(host, topic, Sign(keys[2], SecurityAlgorithms.EcdsaSha256, topic)));
    }

    [Fact]
    public async Task A_key_set_served_at_a_URL_is_fetched_and_its_keys_accepted()
    {
        using var data = new TempDirectory();
        var key = new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP256)) { KeyId = "served" };
        var jwk = JsonWebKeyConverter.ConvertFromECDsaSecurityKey(new ECDsaSecurityKey(ECDsa.Create(key.ECDsa.ExportParameters(false))) { KeyId = key.KeyId });
        var body = System.Text.Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { keys = new[] { new { kty = jwk.Kty, crv = jwk.Crv, x = jwk.X, y = jwk.Y, kid = jwk.Kid, use = "sig", alg = "ES256" } } }));

        // A key server on loopback: a real HTTP listener answering every GET with the set.
        var port = HostProcess.FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        using var stop = new CancellationTokenSource();
        var serving = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var context = await listener.GetContextAsync().WaitAsync(stop.Token);
                context.Response.ContentType = "application/json";
                await context.Response.OutputStream.WriteAsync(body, stop.Token);
                context.Response.Close();
            }
        });

        await using var host = await HostProcess.StartAsync(Path.Combine(data.Path, "journal"), $"--EventActors:Auth:JwksUrl=http://127.0.0.1:{port}/jwks.json");
        var topic = $"m{Guid.NewGuid():N}.a";
        Assert.Equal(HttpStatusCode.OK, await StreamStatusAsync(host, topic, Sign(key, SecurityAlgorithms.EcdsaSha256, topic)));
        var stranger = new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP256)) { KeyId = "stranger" };
        Assert.Equal(HttpStatusCode.Unauthorized, await StreamStatusAsync(host, topic, Sign(stranger, SecurityAlgorithms.EcdsaSha256, topic)));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => serving);
    }
}
