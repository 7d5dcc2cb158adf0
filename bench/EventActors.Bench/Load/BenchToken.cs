using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace EventActors.Bench.Load;

/// <summary>
/// HS256 tokens for runs against a node with authorization on (<c>--signing-key</c>, the same
/// secret as the node's <c>EventActors:Auth:SigningKey</c>): rights to publish and subscribe to
/// every topic, valid for a day. Minted here rather than by the host's <c>token</c> command so
/// that each connection carries a token of its own (its own subject) without a process per token.
/// </summary>
internal static class BenchToken
{
    public static string Mint(string signingKey, string subject)
    {
        var header = Base64Url("""{"alg":"HS256","typ":"JWT"}"""u8);
        var expires = DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeSeconds();
        var payload = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["sub"] = subject,
            ["exp"] = expires,
            ["eventactors"] = new Dictionary<string, object> { ["publish"] = new[] { ">" }, ["subscribe"] = new[] { ">" } },
        }));
        var signed = $"{header}.{payload}";
        var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(signingKey), Encoding.ASCII.GetBytes(signed));
        return $"{signed}.{Base64Url(signature)}";
    }

    private static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
