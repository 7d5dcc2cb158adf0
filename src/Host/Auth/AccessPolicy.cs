using EventActors.Protocol;

namespace EventActors.Host.Auth;

/// <summary>
/// The decisions, in one place, that every route asks (docs/security.md): pure functions of the
/// grants, the node's public topics and the topics asked for, so that the property tests check
/// the very code the endpoints run.
/// </summary>
internal static class AccessPolicy
{
    /// <summary>Whether <paramref name="grants"/> may read <paramref name="topic"/> (stream or history): a subscribe pattern or a public topic matches it.</summary>
    public static bool MayRead(Grants grants, TopicPatternSet publicTopics, TopicName topic) =>
        grants.Subscribe.MatchesAny(topic) || publicTopics.MatchesAny(topic);

    /// <summary>The first topic of <paramref name="topics"/> that <paramref name="grants"/> may not read, or null when it may read them all: a stream is allowed whole or refused whole.</summary>
    public static TopicName? FirstUnreadable(Grants grants, TopicPatternSet publicTopics, TopicSet topics)
    {
        for (var i = 0; i < topics.Count; i++)
        {
            if (!MayRead(grants, publicTopics, topics[i]))
            {
                return topics[i];
            }
        }

        return null;
    }

    /// <summary>Whether <paramref name="grants"/> may publish to <paramref name="topic"/>: public topics are read-only.</summary>
    public static bool MayPublish(Grants grants, TopicName topic) => grants.Publish.MatchesAny(topic);
}
