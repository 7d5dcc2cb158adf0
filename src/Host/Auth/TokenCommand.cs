using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Akka.Configuration;
using EventActors.Host.Configuration;
using EventActors.Protocol;
using Microsoft.IdentityModel.Tokens;

namespace EventActors.Host.Auth;

/// <summary>
/// <c>token --publish P --subscribe P --admin --ttl 1h --sub NAME</c>: prints a JWT signed with the
/// configured HS256 <c>EventActors:Auth:SigningKey</c> (read as the node reads it: hocon, --config,
/// environment, --EventActors:Auth:SigningKey=...), for operators and tests (docs/security.md).
/// </summary>
internal static class TokenCommand
{
    private const string Usage =
        "usage: token [--publish PATTERN]... [--subscribe PATTERN]... [--admin] [--ttl DURATION (1h, 15m, 30s, 7d; default 1h)] [--sub NAME] [configuration arguments such as --EventActors:Auth:SigningKey=...]";

    public static int Run(string[] args)
    {
        var publish = new List<string>();
        var subscribe = new List<string>();
        var admin = false;
        var ttl = TimeSpan.FromHours(1);
        string? subject = null;
        var rest = new List<string>();
        try
        {
            for (var i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                switch (args[i])
                {
                    case "--publish": publish.Add(Next()); break;
                    case "--subscribe": subscribe.Add(Next()); break;
                    case "--admin": admin = true; break;
                    case "--ttl": ttl = ParseDuration(Next()); break;
                    case "--sub": subject = Next(); break;
                    case "--help" or "-h": Console.Out.WriteLine(Usage); return 0;
                    default: rest.Add(args[i]); break;
                }
            }

            foreach (var pattern in publish.Concat(subscribe))
            {
                if (!TopicPattern.TryParse(pattern, out _, out var error))
                {
                    throw new ArgumentException(error);
                }
            }

            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = rest.ToArray(), ContentRootPath = AppContext.BaseDirectory });
            var auth = builder.Configuration.LoadEventActorsConfiguration(demo: false).Options.Auth;
            if (auth.SigningKey.Length == 0)
            {
                Console.Error.WriteLine("token: no EventActors:Auth:SigningKey is configured, so there is no key to sign with. Set it in a --config file, the environment (EventActors__Auth__SigningKey) or --EventActors:Auth:SigningKey=... (at least 32 bytes). Tokens for PublicKeyFile or JWKS keys are signed by whoever holds the private key.");
                return 2;
            }

            Console.Out.WriteLine(Create(auth, publish, subscribe, admin, ttl, subject, DateTimeOffset.UtcNow));
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or ConfigurationException or FileNotFoundException)
        {
            Console.Error.WriteLine($"token: {e.Message}");
            Console.Error.WriteLine(Usage);
            return 2;
        }
    }

    /// <summary>An HS256 JWT with the <c>eventactors</c> claim, the configured issuer and audience, and <c>exp</c> at <paramref name="now"/> plus <paramref name="ttl"/>.</summary>
    public static string Create(AuthOptions auth, IReadOnlyList<string> publish, IReadOnlyList<string> subscribe, bool admin, TimeSpan ttl, string? subject, DateTimeOffset now)
    {
        var payload = new Dictionary<string, object>
        {
            ["iat"] = now.ToUnixTimeSeconds(),
            ["exp"] = (now + ttl).ToUnixTimeSeconds(),
            [Grants.ClaimType] = admin
                ? new Dictionary<string, object> { ["publish"] = publish, ["subscribe"] = subscribe, ["admin"] = true }
                : new Dictionary<string, object> { ["publish"] = publish, ["subscribe"] = subscribe },
        };
        if (subject is not null)
        {
            payload["sub"] = subject;
        }

        if (auth.Issuer.Length > 0)
        {
            payload["iss"] = auth.Issuer;
        }

        if (auth.Audience.Length > 0)
        {
            payload["aud"] = auth.Audience;
        }

        var header = Base64UrlEncoder.Encode("""{"alg":"HS256","typ":"JWT"}""");
        var body = Base64UrlEncoder.Encode(JsonSerializer.Serialize(payload));
        var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(auth.SigningKey), Encoding.ASCII.GetBytes($"{header}.{body}"));
        return $"{header}.{body}.{Base64UrlEncoder.Encode(signature)}";
    }

    private static TimeSpan ParseDuration(string text)
    {
        var unit = text.Length > 0 ? text[^1] : ' ';
        if (!long.TryParse(text.AsSpan(0, Math.Max(0, text.Length - 1)), NumberStyles.None, CultureInfo.InvariantCulture, out var amount) || amount <= 0)
        {
            throw new ArgumentException($"--ttl '{text}' is not a duration such as 30s, 15m, 1h or 7d");
        }

        return unit switch
        {
            's' => TimeSpan.FromSeconds(amount),
            'm' => TimeSpan.FromMinutes(amount),
            'h' => TimeSpan.FromHours(amount),
            'd' => TimeSpan.FromDays(amount),
            _ => throw new ArgumentException($"--ttl '{text}' is not a duration such as 30s, 15m, 1h or 7d"),
        };
    }
}
