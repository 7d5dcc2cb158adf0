using EventActors.Protocol.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace EventActors.Protocol.Tests;

public sealed class TopicSetTests
{
    private static TopicName T(string name) => TopicName.Parse(name);

    [Fact]
    public void A_set_is_sorted_and_deduplicated()
    {
        var set = TopicSet.Create(T("b"), T("a"), T("b"), T("A"));
        Assert.Equal(["A", "a", "b"], set.Select(n => n.Value));
        Assert.Equal(3, set.Count);
    }

    [Fact]
    public void The_same_topics_in_any_order_or_repetition_have_the_same_fingerprint()
    {
        var one = TopicSet.Create(T("stocks.AAPL"), T("news.world"));
        var other = TopicSet.Create(T("news.world"), T("stocks.AAPL"), T("news.world"));
        Assert.Equal(one.Fingerprint, other.Fingerprint);
        Assert.Matches("^[0-9a-z]{8}\\z", one.Fingerprint);
    }

    [Fact]
    public void Different_topic_sets_have_different_fingerprints()
    {
        var fingerprints = new[]
        {
            TopicSet.Create(T("a")), TopicSet.Create(T("b")), TopicSet.Create(T("a"), T("b")), TopicSet.Create(T("a.b")),
            TopicSet.Create(T("A")), TopicSet.Create(T("ab")), TopicSet.Create(T("a"), T("b"), T("c")),
        }.Select(s => s.Fingerprint);
        Assert.Equal(7, fingerprints.Distinct().Count());
    }

    [Fact]
    public void The_fingerprint_is_a_fixed_function_of_the_names_so_every_node_and_release_agrees()
    {
        // SHA-256 of "news.world\nstocks.AAPL", first 8 bytes big-endian, mod 36^8, in base 36:
        // computed independently of this code. Changing it would invalidate every issued cursor.
        Assert.Equal("4rn84sdw", TopicSet.Create(T("stocks.AAPL"), T("news.world")).Fingerprint);
        Assert.Equal("vyj5voay", TopicSet.Create(T("a")).Fingerprint);
    }

    [Fact]
    public void IndexOf_finds_each_topic_at_its_canonical_position()
    {
        var set = TopicSet.Create(T("c"), T("a"), T("b"));
        Assert.Equal((0, 1, 2, -1), (set.IndexOf(T("a")), set.IndexOf(T("b")), set.IndexOf(T("c")), set.IndexOf(T("d"))));
        Assert.True(set.Contains(T("b")));
        Assert.False(set.Contains(T("B")));
    }

    [Fact]
    public void A_set_needs_at_least_one_topic()
    {
        Assert.False(TopicSet.TryCreate([], out _, out var error));
        Assert.Contains("at least one topic", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_set_holds_at_most_64_distinct_topics_and_repeats_do_not_count()
    {
        var topics = Enumerable.Range(0, TopicSet.MaxTopics).Select(i => T($"t{i}")).ToList();
        Assert.True(TopicSet.TryCreate([.. topics, .. topics], out var full, out _));
        Assert.Equal(64, full.Count);
        Assert.False(TopicSet.TryCreate([.. topics, T("one.more")], out _, out var error));
        Assert.Contains("at most 64", error, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => TopicSet.Create([.. topics, T("one.more")]));
    }

    [Fact]
    public void A_default_topic_name_is_a_programming_error_not_a_client_error() =>
        Assert.Throws<ArgumentException>(() => TopicSet.TryCreate([T("a"), default], out _, out _));

    [Fact]
    public void Any_shuffle_of_a_set_gives_the_same_set() =>
        Check.One(Generators.Config, Prop.ForAll(Generators.Topics.ToArbitrary(), set =>
        {
            var shuffled = TopicSet.Create(set.Reverse().Concat(set.Take(3)));
            Assert.Equal(set.Fingerprint, shuffled.Fingerprint);
            Assert.Equal(set, shuffled);
        }));
}
