using EventActors.Protocol.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace EventActors.Protocol.Tests;

/// <summary>The pattern grammar: its examples, its refusals, and properties over random names.</summary>
public sealed class TopicPatternTests
{
    [Theory]
    [InlineData("news.world", "news.world", true)]
    [InlineData("news.world", "news.sport", false)]
    [InlineData("news.world", "news", false)]
    [InlineData("news.world", "news.world.extra", false)]
    [InlineData("news.*", "news.world", true)]
    [InlineData("news.*", "news", false)]
    [InlineData("news.*", "news.world.extra", false)]
    [InlineData("*.world", "news.world", true)]
    [InlineData("*", "news", true)]
    [InlineData("*", "news.world", false)]
    [InlineData("users.42.>", "users.42.notifications", true)]
    [InlineData("users.42.>", "users.42.a.b.c", true)]
    [InlineData("users.42.>", "users.42", false)]
    [InlineData("users.42.>", "users.43.notifications", false)]
    [InlineData(">", "anything", true)]
    [InlineData(">", "any.thing.at.all", true)]
    [InlineData("*.>", "a", false)]
    [InlineData("*.>", "a.b", true)]
    [InlineData("News.*", "news.world", false)]
    public void A_pattern_matches_as_the_grammar_says(string pattern, string topic, bool matches) =>
        Assert.Equal(matches, TopicPattern.Parse(pattern).Matches(TopicName.Parse(topic)));

    [Theory]
    [InlineData("", "empty")]
    [InlineData("a..b", "empty segment")]
    [InlineData(".a", "empty segment")]
    [InlineData("a.", "empty segment")]
    [InlineData("a.>.b", "'>' before its last segment")]
    [InlineData(">.a", "'>' before its last segment")]
    [InlineData("a.b*", "invalid segment 'b*'")]
    [InlineData("a.>>", "invalid segment '>>'")]
    [InlineData("a b", "invalid segment 'a b'")]
    [InlineData("a/b", "invalid segment 'a/b'")]
    public void An_invalid_pattern_is_refused_with_a_reason(string text, string reason)
    {
        Assert.False(TopicPattern.TryParse(text, out _, out var error));
        Assert.Contains(reason, error);
    }

    [Fact]
    public void An_exact_pattern_matches_only_its_own_name() =>
        Check.One(Generators.Config, Prop.ForAll(Generators.Topic.ToArbitrary(), Generators.Topic.ToArbitrary(), (name, other) =>
        {
            var pattern = TopicPattern.Parse(name.Value);
            Assert.True(pattern.Matches(name));
            Assert.Equal(name == other, pattern.Matches(other));
        }));

    [Fact]
    public void A_tail_wildcard_matches_every_longer_name_under_its_prefix_and_nothing_else() =>
        Check.One(Generators.Config, Prop.ForAll(Generators.Topic.ToArbitrary(), Generators.Topic.ToArbitrary(), (prefix, other) =>
        {
            var pattern = TopicPattern.Parse(prefix.Value + ".>");
            var longer = $"{prefix.Value}.{other.Value}";
            if (longer.Length <= TopicName.MaxLength && longer.Count(c => c == '.') < TopicName.MaxSegments)
            {
                Assert.True(pattern.Matches(TopicName.Parse(longer)));
            }

            Assert.False(pattern.Matches(prefix));
            Assert.Equal(other.Value.StartsWith(prefix.Value + ".", StringComparison.Ordinal), pattern.Matches(other));
        }));

    [Fact]
    public void Stars_match_exactly_the_names_with_as_many_segments() =>
        Check.One(Generators.Config, Prop.ForAll(Gen.Choose(1, TopicName.MaxSegments).ToArbitrary(), Generators.Topic.ToArbitrary(), (stars, name) =>
        {
            var pattern = TopicPattern.Parse(string.Join('.', Enumerable.Repeat("*", stars)));
            Assert.Equal(name.Value.Count(c => c == '.') + 1 == stars, pattern.Matches(name));
        }));

    [Fact]
    public void Replacing_segments_of_a_name_with_stars_still_matches_it() =>
        Check.One(Generators.Config, Prop.ForAll(Generators.Topic.ToArbitrary(), Gen.Choose(0, int.MaxValue).ToArbitrary(), (name, mask) =>
        {
            var segments = name.Value.Split('.').Select((segment, i) => (mask >> i & 1) == 1 ? "*" : segment);
            Assert.True(TopicPattern.Parse(string.Join('.', segments)).Matches(name));
        }));

    [Fact]
    public void A_set_matches_a_topic_when_any_of_its_patterns_does()
    {
        Assert.True(TopicPatternSet.TryParse(["news.*", "users.42.>"], out var set, out _));
        Assert.True(set.MatchesAny(TopicName.Parse("news.world")));
        Assert.True(set.MatchesAny(TopicName.Parse("users.42.a")));
        Assert.False(set.MatchesAny(TopicName.Parse("users.43.a")));
        Assert.False(TopicPatternSet.Empty.MatchesAny(TopicName.Parse("news.world")));
        Assert.False(TopicPatternSet.TryParse(["ok", "bad..one"], out _, out var error));
        Assert.Contains("bad..one", error);
    }
}
