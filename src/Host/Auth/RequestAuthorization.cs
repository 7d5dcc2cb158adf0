using System.Runtime.CompilerServices;
using System.Security.Claims;
using EventActors.Host.Publishing;
using EventActors.Protocol;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;

namespace EventActors.Host.Auth;

/// <summary>
/// Each route's check (docs/security.md): the request's token validated by JwtBearer, its
/// <see cref="Grants"/> read once, and the decision of <see cref="AccessPolicy"/>, answered as 401
/// (no usable token) or 403 (a valid token without the right). It runs before a route reads the
/// journal, so a refusal says the same whether the topic exists or not.
/// </summary>
internal sealed class RequestAuthorization(AuthOptions auth, ValidatedTokens? validated = null)
{
    private const string Challenge = "Bearer realm=\"eventactors\"";

    /// <summary>Every right, for a node with no key configured: the open mode.</summary>
    private static readonly Grants s_open = new(
        new TopicPatternSet([TopicPattern.Parse(">")]), new TopicPatternSet([TopicPattern.Parse(">")]), true, null);

    // Entries live as long as their principal: a token's, while it is cached, or one request's.
    private readonly ConditionalWeakTable<ClaimsPrincipal, ParsedGrants> _grants = new();

    public AuthOptions Options => auth;

    /// <summary>The request's grants (anonymous without a token), or the 401 to write for a token that is not valid.</summary>
    public async ValueTask<(Grants? Grants, IResult? Refusal)> AuthenticateAsync(HttpContext context)
    {
        var (grants, refusal, challenge) = await ReadTokenAsync(context);
        if (grants is not null)
        {
            return (grants, null);
        }

        context.Response.Headers.WWWAuthenticate = challenge ?? Challenge;
        return (null, refusal!.ToResult());
    }

    private async ValueTask<(Grants? Grants, Problem? Refusal, string? Challenge)> ReadTokenAsync(HttpContext context)
    {
        if (!auth.Enabled)
        {
            return (s_open, null, null);
        }

        // A token validated a moment ago: its grants at once, without JwtBearer's per-request work.
        if (validated is not null && TokenValidation.TokenOf(context.Request, auth) is { } token && validated.TryGet(token, out var cached))
        {
            return FromPrincipal(cached);
        }

        var result = await AuthenticateInOwnScopeAsync(context);
        if (result.None)
        {
            return (Grants.Anonymous, null, null);
        }

        if (!result.Succeeded)
        {
            var (error, description) = Describe(result.Failure);
            return (null, new Problem(401, "Invalid token", description), $"{Challenge}, error=\"{error}\", error_description=\"{description}\"");
        }

        return FromPrincipal(result.Principal!);
    }

    /// <summary>
    /// JwtBearer's handler is resolved from the request's services and keeps its result (the
    /// principal, the token and its payload) for as long as that scope lives: for a stream, the
    /// stream's whole life, ~5 KB a stream (docs/benchmarks.md, authorization). Resolved in a scope
    /// of its own, disposed at once, all of it goes once the grants are read; the check is the same.
    /// </summary>
    /// <remarks>With a rate limit by subject on, the authentication middleware has read the token already (into the request's scope): its result is used, not read again.</remarks>
    private static async Task<AuthenticateResult> AuthenticateInOwnScopeAsync(HttpContext context)
    {
        if (context.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult is { } earlier)
        {
            return earlier;
        }

        var requestServices = context.RequestServices;
        await using var scope = requestServices.GetRequiredService<IServiceScopeFactory>().CreateAsyncScope();
        context.RequestServices = scope.ServiceProvider;
        try
        {
            return await context.AuthenticateAsync(JwtBearerDefaults.AuthenticationScheme);
        }
        finally
        {
            context.RequestServices = requestServices;
        }
    }

    private (Grants? Grants, Problem? Refusal, string? Challenge) FromPrincipal(ClaimsPrincipal principal)
    {
        // A token reused from ValidatedTokens comes back as the same principal: its claim is read once.
        var (grants, claimError) = _grants.GetValue(principal, ReadGrants);
        return grants is not null
            ? (grants, null, null)
            : (null, new Problem(401, "Invalid token", claimError!), $"{Challenge}, error=\"invalid_token\", error_description=\"The eventactors claim is not valid.\"");
    }

    private static ParsedGrants ReadGrants(ClaimsPrincipal principal)
    {
        DateTimeOffset? expires = long.TryParse(principal.FindFirst("exp")?.Value, out var exp) ? DateTimeOffset.FromUnixTimeSeconds(exp) : null;
        return Grants.TryParse(principal.FindFirst(Grants.ClaimType)?.Value, expires, out var grants, out var error)
            ? new ParsedGrants(grants, null)
            : new ParsedGrants(null, error);
    }

    private sealed record ParsedGrants(Grants? Grants, string? Error);

    /// <summary>Null when the request may publish to <paramref name="topic"/>; else the answer to write.</summary>
    public async ValueTask<IResult?> RefusePublishAsync(HttpContext context, TopicName topic)
    {
        var (grants, refusal) = await AuthenticateAsync(context);
        if (grants is null)
        {
            return refusal;
        }

        return AccessPolicy.MayPublish(grants, topic)
            ? null
            : Denied(context, grants, $"This token may not publish to '{topic}'; its publish patterns must match the topic.",
                $"Publishing to '{topic}' needs a token whose publish patterns match the topic.");
    }

    /// <summary>The grants when the request may read every topic of <paramref name="topics"/>; else the answer to write, naming the first topic refused.</summary>
    public async ValueTask<(Grants? Grants, IResult? Refusal)> AuthorizeReadAsync(HttpContext context, TopicSet topics)
    {
        var (grants, refusal) = await AuthenticateAsync(context);
        if (grants is null)
        {
            return (null, refusal);
        }

        return AccessPolicy.FirstUnreadable(grants, auth.PublicTopics, topics) is { } forbidden
            ? (null, Denied(context, grants, $"This token may not subscribe to '{forbidden}'; its subscribe patterns must match every topic asked for.",
                $"Reading '{forbidden}' needs a token whose subscribe patterns match it; it is not a public topic."))
            : (grants, null);
    }

    /// <summary>Null when the request may use an admin route; else the answer to write.</summary>
    public async ValueTask<IResult?> RefuseUnlessAdminAsync(HttpContext context)
    {
        var (grants, refusal) = await AuthenticateAsync(context);
        if (grants is null)
        {
            return refusal;
        }

        const string detail = "This route needs a token with \"admin\": true in its eventactors claim.";
        return grants.Admin ? null : Denied(context, grants, detail, detail);
    }

    /// <summary>403 for a token without the right; 401 for no token at all, asking for one.</summary>
    private IResult Denied(HttpContext context, Grants grants, string detail, string anonymousDetail)
    {
        if (ReferenceEquals(grants, Grants.Anonymous)) // no token sent, not a token without the claim
        {
            context.Response.Headers.WWWAuthenticate = Challenge;
            return new Problem(401, "Token required",
                $"No token was sent. {anonymousDetail} Send it as Authorization: Bearer, in the {auth.CookieName} cookie, or (stream routes only) as ?access_token=.").ToResult();
        }

        return new Problem(403, "Not allowed", detail).ToResult();
    }

    // Words of our own, never the library's message: that may quote the token.
    private static (string Error, string Description) Describe(Exception? failure) => failure switch
    {
        SecurityTokenExpiredException => ("invalid_token", "The token has expired."),
        SecurityTokenNotYetValidException => ("invalid_token", "The token is not valid yet (nbf)."),
        SecurityTokenInvalidIssuerException => ("invalid_token", "The token's issuer (iss) is not the one this node accepts."),
        SecurityTokenInvalidAudienceException => ("invalid_token", "The token's audience (aud) is not the one this node accepts."),
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => ("invalid_token", "The token's signature does not match a key this node accepts."),
        SecurityTokenInvalidAlgorithmException => ("invalid_token", "The token is signed with an algorithm this node does not accept."),
        _ => ("invalid_token", "The token is malformed or not valid."),
    };
}
