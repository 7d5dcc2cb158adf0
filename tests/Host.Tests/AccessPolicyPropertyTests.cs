using System.Text.RegularExpressions;
using EventActors.Host.Auth;
using EventActors.Protocol;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace EventActors.Host.Tests;

/// <summary>
/// The endpoints' own decision function over random grants, public topics and multi-topic
/// streams, against a matcher written here from the grammar: a stream is opened only when every
/// topic it asks for may be read, so no event of a topic the client may not read reaches it.
/// </summary>
public sealed class AccessPolicyPropertyTests
{
    private static readonly Config s_config = Config.QuickThrowOnFailure.WithMaxTest(2_000);
    private static readonly Gen<string> s_segment = Gen.Elements("a", "b", "c");
    private static readonly Gen<string> s_topic = Gen.Choose(1, 4).SelectMany(n => Gen.ArrayOf(s_segment, n)).Select(parts => string.Join('.', parts));

    private static readonly Gen<string> s_pattern =
        from n in Gen.Choose(1, 4)
        from parts in Gen.ArrayOf(Gen.Frequency((3, s_segment), (1, Gen.Constant("*"))), n)
        from tail in Gen.Frequency((3, Gen.Constant(false)), (1, Gen.Constant(true)))
        select string.Join('.', parts) + (tail ? ".>" : "");

    private static readonly Gen<string[]> s_patterns = Gen.Choose(0, 3).SelectMany(n => Gen.ArrayOf(s_pattern, n));

    // The grammar as a regex: a segment literally, * one segment, a final > one or more.
    private static bool Oracle(string pattern, string topic)
    {
        var parts = pattern.Split('.');
        var regex = string.Join(@"\.", parts.Select(part => part switch { "*" => "[^.]+", ">" => @"[^.]+(\.[^.]+)*", _ => Regex.Escape(part) }));
        return Regex.IsMatch(topic, $"^{regex}$");
    }

    private static TopicPatternSet Set(string[] patterns) => new(patterns.Select(TopicPattern.Parse));

    [Fact]
    public void A_stream_is_allowed_only_when_every_topic_it_asks_for_may_be_read() =>
        Check.One(s_config, Prop.ForAll(s_patterns.ToArbitrary(), s_patterns.ToArbitrary(), Gen.Choose(1, 5).SelectMany(n => Gen.ArrayOf(s_topic, n)).ToArbitrary(), (subscribe, publicTopics, topics) =>
        {
            var grants = new Grants(TopicPatternSet.Empty, Set(subscribe), false, null);
            var set = TopicSet.Create(topics.Distinct().Select(TopicName.Parse));
            bool Readable(TopicName topic) => subscribe.Concat(publicTopics).Any(pattern => Oracle(pattern, topic.Value));

            var refused = AccessPolicy.FirstUnreadable(grants, Set(publicTopics), set);
            if (refused is { } topic)
            {
                Assert.Contains(topic, set);
                Assert.False(Readable(topic)); // the topic named in the 403 is one it may not read
            }
            else
            {
                Assert.All(set, name => Assert.True(Readable(name))); // every topic of an allowed stream may be read
            }
        }));

    [Fact]
    public void Publishing_is_allowed_exactly_where_a_publish_pattern_matches_and_never_by_public_topics() =>
        Check.One(s_config, Prop.ForAll(s_patterns.ToArbitrary(), s_topic.ToArbitrary(), (publish, topic) =>
        {
            var grants = new Grants(Set(publish), Set([">"]), false, null);
            Assert.Equal(publish.Any(pattern => Oracle(pattern, topic)), AccessPolicy.MayPublish(grants, TopicName.Parse(topic)));
        }));
}
