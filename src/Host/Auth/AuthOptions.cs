using System.Text;
using Akka.Configuration;
using EventActors.Host.Configuration;
using EventActors.Protocol;

namespace EventActors.Host.Auth;

/// <summary>
/// The <c>EventActors { Auth { ... } }</c> settings (docs/security.md): which keys sign the
/// tokens the node accepts, whom they must come from, and which topics anyone may read. No key:
/// the node is open. Defaults and why live in <c>hocon/eventactors.conf</c>.
/// </summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>Fewest bytes (UTF-8) of an HS256 secret: the hash's own size, below which a secret can be brute-forced off line.</summary>
    public const int MinSigningKeyBytes = 32;

    /// <summary>An HS256 secret, or empty.</summary>
    public required string SigningKey { get; init; }

    /// <summary>A PEM RSA or EC public key (RS256/ES256), or empty.</summary>
    public required string PublicKeyFile { get; init; }

    /// <summary>A JSON Web Key Set file, or empty.</summary>
    public required string JwksFile { get; init; }

    /// <summary>A JSON Web Key Set URL, fetched and cached, or empty.</summary>
    public required string JwksUrl { get; init; }

    /// <summary>The <c>iss</c> a token must carry, or empty (any).</summary>
    public required string Issuer { get; init; }

    /// <summary>The <c>aud</c> a token must carry, or empty (any).</summary>
    public required string Audience { get; init; }

    /// <summary>How far a token's <c>exp</c> and <c>nbf</c> may be off the node's clock.</summary>
    public required TimeSpan ClockSkew { get; init; }

    /// <summary>How long a validated token is reused without checking it again (<see cref="ValidatedTokens"/>); zero checks every request.</summary>
    public required TimeSpan TokenCacheTime { get; init; }

    /// <summary>The cookie a browser's token comes in.</summary>
    public required string CookieName { get; init; }

    /// <summary>Topics anyone, without a token, may subscribe to and read.</summary>
    public required TopicPatternSet PublicTopics { get; init; }

    /// <summary>Whether any key is configured: without one the node is open.</summary>
    public bool Enabled => SigningKey.Length > 0 || PublicKeyFile.Length > 0 || JwksFile.Length > 0 || JwksUrl.Length > 0;

    internal static AuthOptions Read(SettingsReader settings)
    {
        var publicTopicTexts = settings.StringList(nameof(PublicTopics));
        var options = new AuthOptions
        {
            SigningKey = settings.String(nameof(SigningKey)),
            PublicKeyFile = settings.String(nameof(PublicKeyFile)),
            JwksFile = settings.String(nameof(JwksFile)),
            JwksUrl = settings.String(nameof(JwksUrl)),
            Issuer = settings.String(nameof(Issuer)),
            Audience = settings.String(nameof(Audience)),
            ClockSkew = settings.Duration(nameof(ClockSkew)),
            TokenCacheTime = settings.Duration(nameof(TokenCacheTime)),
            CookieName = settings.String(nameof(CookieName)),
            PublicTopics = TopicPatternSet.TryParse(publicTopicTexts, out var set, out var error)
                ? set
                : throw Problem(nameof(PublicTopics), $": {error}"),
        };
        settings.RefuseUnread();
        options.Validate();
        return options;
    }

    /// <exception cref="ConfigurationException">A value is out of range; the message names its key.</exception>
    public void Validate()
    {
        if (SigningKey.Length > 0 && Encoding.UTF8.GetByteCount(SigningKey) < MinSigningKeyBytes)
        {
            throw Problem(nameof(SigningKey), $" must be at least {MinSigningKeyBytes} bytes (UTF-8); it is {Encoding.UTF8.GetByteCount(SigningKey)}. A shorter HS256 secret can be guessed off line from one token");
        }

        var keys = new[] { SigningKey, PublicKeyFile, JwksFile, JwksUrl }.Count(key => key.Length > 0);
        if (keys > 1)
        {
            throw Problem(nameof(SigningKey), ", PublicKeyFile, JwksFile and JwksUrl are alternatives: set one");
        }

        foreach (var (key, path) in new[] { (nameof(PublicKeyFile), PublicKeyFile), (nameof(JwksFile), JwksFile) })
        {
            if (path.Length > 0 && !File.Exists(Path.GetFullPath(path)))
            {
                throw Problem(key, $": the file '{Path.GetFullPath(path)}' does not exist");
            }
        }

        if (JwksUrl.Length > 0 && !(Uri.TryCreate(JwksUrl, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http"))
        {
            throw Problem(nameof(JwksUrl), $": '{JwksUrl}' is not an http(s) URL");
        }

        if (ClockSkew < TimeSpan.Zero || ClockSkew > TimeSpan.FromMinutes(10))
        {
            throw Problem(nameof(ClockSkew), " must be 0s to 10m");
        }

        if (TokenCacheTime < TimeSpan.Zero || TokenCacheTime > TimeSpan.FromMinutes(10))
        {
            throw Problem(nameof(TokenCacheTime), " must be 0s to 10m");
        }

        if (CookieName.Length == 0 || CookieName.Any(c => c is <= ' ' or >= (char)0x7F or '=' or ';' or ',' or '"'))
        {
            throw Problem(nameof(CookieName), $": '{CookieName}' is not a cookie name (visible ASCII, no '=', ';', ',' or '\"')");
        }
    }

    private static ConfigurationException Problem(string key, string rule) =>
        new($"Configuration {ServerOptions.Section}:{Section}:{key}{rule}");
}
