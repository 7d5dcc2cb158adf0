using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using EventActors.Protocol;

namespace EventActors.Host.Auth;

/// <summary>
/// What a token allows, read once per request from its <c>eventactors</c> claim:
/// <c>{"publish": ["news.*"], "subscribe": ["news.*", "users.42.&gt;"], "admin": true}</c>
/// (each member optional; a token without the claim grants nothing), and when it expires.
/// </summary>
internal sealed record Grants(TopicPatternSet Publish, TopicPatternSet Subscribe, bool Admin, DateTimeOffset? Expires)
{
    /// <summary>The claim's name.</summary>
    public const string ClaimType = "eventactors";

    /// <summary>The grants of a request without a token: nothing beyond the public topics.</summary>
    public static Grants Anonymous { get; } = new(TopicPatternSet.Empty, TopicPatternSet.Empty, false, null);

    /// <summary>Parses the claim's JSON; on failure <paramref name="error"/> says what is wrong, for the 401's detail.</summary>
    public static bool TryParse(string? json, DateTimeOffset? expires, [NotNullWhen(true)] out Grants? grants, [NotNullWhen(false)] out string? error)
    {
        grants = null;
        if (json is null)
        {
            grants = Anonymous with { Expires = expires };
            error = null;
            return true;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = "The token's eventactors claim must be a JSON object such as {\"subscribe\": [\"news.*\"]}.";
                return false;
            }

            if (!TryPatterns(root, "publish", out var publish, out error) || !TryPatterns(root, "subscribe", out var subscribe, out error))
            {
                return false;
            }

            var admin = root.TryGetProperty("admin", out var adminValue) && adminValue.ValueKind == JsonValueKind.True;
            grants = new Grants(publish, subscribe, admin, expires);
            return true;
        }
        catch (JsonException)
        {
            error = "The token's eventactors claim is not JSON.";
            return false;
        }
    }

    private static bool TryPatterns(JsonElement root, string name, out TopicPatternSet set, [NotNullWhen(false)] out string? error)
    {
        set = TopicPatternSet.Empty;
        error = null;
        if (!root.TryGetProperty(name, out var value))
        {
            return true;
        }

        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(element => element.ValueKind != JsonValueKind.String))
        {
            error = $"The token's eventactors.{name} must be a list of topic patterns (strings).";
            return false;
        }

        if (!TopicPatternSet.TryParse(value.EnumerateArray().Select(element => element.GetString()), out set, out var patternError))
        {
            error = $"The token's eventactors.{name}: {patternError}";
            return false;
        }

        return true;
    }
}
