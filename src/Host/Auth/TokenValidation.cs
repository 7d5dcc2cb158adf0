using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace EventActors.Host.Auth;

/// <summary>JwtBearer's options from <see cref="AuthOptions"/>: which keys, which issuer and audience, and where a token comes from.</summary>
internal static class TokenValidation
{
    /// <summary>The routes where a token may come in the query string: an <c>EventSource</c> cannot set headers. Elsewhere a query token is ignored, so that it is not left in links, proxies' logs and histories for no reason.</summary>
    public static bool IsStreamRoute(PathString path) =>
        path.Equals("/stream", StringComparison.Ordinal) ||
        (path.StartsWithSegments("/topics", StringComparison.Ordinal) && path.Value!.EndsWith("/stream", StringComparison.Ordinal));

    public const string QueryParameter = "access_token";

    public static void Configure(JwtBearerOptions jwt, AuthOptions auth, SecurityKey[] keys, ValidatedTokens? validated)
    {
        jwt.MapInboundClaims = false; // claim names as the token has them: exp, sub, eventactors
        jwt.RequireHttpsMetadata = false;
        jwt.TokenValidationParameters = new TokenValidationParameters
        {
            ValidateIssuer = auth.Issuer.Length > 0,
            ValidIssuer = auth.Issuer.Length > 0 ? auth.Issuer : null,
            ValidateAudience = auth.Audience.Length > 0,
            ValidAudience = auth.Audience.Length > 0 ? auth.Audience : null,
            ValidateLifetime = true,
            RequireExpirationTime = false, // a token without exp lives until its key is removed; docs/security.md says so
            ClockSkew = auth.ClockSkew,
            ValidateIssuerSigningKey = true,
            RequireSignedTokens = true,
            ValidAlgorithms = auth.SigningKey.Length > 0 ? [SecurityAlgorithms.HmacSha256] : [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.EcdsaSha256],
            IssuerSigningKeys = keys,
        };

        if (auth.JwksUrl.Length > 0)
        {
            jwt.ConfigurationManager = new JwksUrlKeys(new Uri(auth.JwksUrl), new HttpClient { Timeout = TimeSpan.FromSeconds(10) });
        }

        jwt.SaveToken = false; // nothing reads it back, and the token then stays out of AuthenticationProperties
        jwt.Events = new JwtBearerEvents
        {
            // Authorization: Bearer first, then the cookie, then ?access_token= on stream routes
            // only. A token validated a moment ago is taken from the cache, unchecked again.
            OnMessageReceived = context =>
            {
                var token = TokenOf(context.Request, auth);
                if (token is null)
                {
                    return Task.CompletedTask;
                }

                if (validated is not null && validated.TryGet(token, out var principal))
                {
                    context.Principal = principal;
                    context.Success();
                    return Task.CompletedTask;
                }

                context.Token = token;
                return Task.CompletedTask;
            },
            OnTokenValidated = context =>
            {
                // A stream's token is checked once per connection: kept, 10,000 streams' tokens
                // would crowd out the publishers' tokens, which come back with every request.
                if (validated is not null && !IsStreamRoute(context.Request.Path) && context.SecurityToken is JsonWebToken jwt && context.Principal is { } principal)
                {
                    validated.Add(jwt.EncodedToken, principal, jwt.ValidTo);
                }

                return Task.CompletedTask;
            },
        };
    }

    /// <summary>The request's token, from the first place that has one; null when none does.</summary>
    public static string? TokenOf(HttpRequest request, AuthOptions auth)
    {
        var authorization = request.Headers.Authorization;
        if (authorization.Count > 0)
        {
            // As JwtBearer reads it: the Bearer scheme, any case; another scheme is no token.
            var value = authorization.ToString();
            return value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && value[7..].Trim() is { Length: > 0 } bearer
                ? bearer
                : null;
        }

        if (request.Cookies[auth.CookieName] is { Length: > 0 } cookie)
        {
            return cookie;
        }

        return IsStreamRoute(request.Path) && request.Query[QueryParameter].ToString() is { Length: > 0 } query ? query : null;
    }

    /// <summary>The keys of SigningKey, PublicKeyFile or JwksFile, read at start-up.</summary>
    /// <exception cref="Akka.Configuration.ConfigurationException">A key file cannot be read; the message names the setting.</exception>
    public static SecurityKey[] StaticKeys(AuthOptions auth)
    {
        if (auth.SigningKey.Length > 0)
        {
            return [new SymmetricSecurityKey(Encoding.UTF8.GetBytes(auth.SigningKey))];
        }

        if (auth.PublicKeyFile.Length > 0)
        {
            var pem = File.ReadAllText(auth.PublicKeyFile);
            var ec = ECDsa.Create();
            try
            {
                ec.ImportFromPem(pem);
                return [new ECDsaSecurityKey(ec)];
            }
            catch (Exception e) when (e is ArgumentException or CryptographicException)
            {
                ec.Dispose();
            }

            var rsa = RSA.Create();
            try
            {
                rsa.ImportFromPem(pem);
                return [new RsaSecurityKey(rsa)];
            }
            catch (Exception e) when (e is ArgumentException or CryptographicException)
            {
                rsa.Dispose();
                throw new Akka.Configuration.ConfigurationException(
                    $"Configuration {ServerOptions.Section}:{AuthOptions.Section}:{nameof(AuthOptions.PublicKeyFile)}: '{auth.PublicKeyFile}' holds no PEM RSA or EC public key ({e.Message})");
            }
        }

        if (auth.JwksFile.Length > 0)
        {
            try
            {
                return [.. new JsonWebKeySet(File.ReadAllText(auth.JwksFile)).GetSigningKeys()];
            }
            catch (ArgumentException e)
            {
                throw new Akka.Configuration.ConfigurationException(
                    $"Configuration {ServerOptions.Section}:{AuthOptions.Section}:{nameof(AuthOptions.JwksFile)}: '{auth.JwksFile}' is not a JSON Web Key Set ({e.Message})");
            }
        }

        return [];
    }
}
