using System.Text.RegularExpressions;
using EventActors.Protocol.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace EventActors.Protocol.Tests;

public sealed class TopicNameTests
{
    [Theory]
    [InlineData("stocks.AAPL")]
    [InlineData("users.42.notifications")]
    [InlineData("news.world")]
    [InlineData("a")]
    [InlineData("0")]
    [InlineData("-")]
    [InlineData("_")]
    [InlineData("A-b_c.9-Z")]
    [InlineData("a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p")]
    public void Valid_names_are_accepted_as_written(string text)
    {
        Assert.True(TopicName.TryParse(text, out var name, out var error), error);
        Assert.Null(error);
        Assert.Equal(text, name.Value);
        Assert.Equal(text, name.ToString());
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData(".", "starts with '.'")]
    [InlineData(".stocks", "starts with '.'")]
    [InlineData("stocks.", "ends with '.'")]
    [InlineData("stocks..AAPL", "('..') at position 7")]
    [InlineData("a...b", "('..') at position 2")]
    [InlineData("stocks AAPL", "a space at position 7")]
    [InlineData(" stocks", "a space at position 1")]
    [InlineData("stocks/AAPL", "'/' at position 7")]
    [InlineData("stocks.*", "'*' at position 8")]
    [InlineData("stocks.>", "'>' at position 8")]
    [InlineData("a%2Eb", "'%' at position 2")]
    [InlineData("a:b", "':' at position 2")]
    [InlineData("a~b", "'~' at position 2")]
    [InlineData("caf\u00e9", "U+00E9 at position 4")]
    [InlineData("a\nb", "U+000A at position 2")]
    [InlineData("a\0b", "U+0000 at position 2")]
    [InlineData("a\u200Bb", "U+200B at position 2")]
    public void Invalid_names_are_rejected_with_a_reason_that_points_at_the_problem(string text, string reasonFragment)
    {
        Assert.False(TopicName.TryParse(text, out var name, out var error));
        Assert.Equal(default, name);
        Assert.Contains(reasonFragment, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Null_is_rejected_as_empty()
    {
        Assert.False(TopicName.TryParse(null, out _, out var error));
        Assert.Contains("empty", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Length_is_limited_to_200_characters()
    {
        var longest = new string('a', TopicName.MaxLength);
        Assert.True(TopicName.TryParse(longest, out _, out _));
        Assert.False(TopicName.TryParse(longest + "a", out _, out var error));
        Assert.Equal("Topic name is 201 characters long; the maximum is 200.", error);
    }

    [Fact]
    public void Segment_count_is_limited_to_16()
    {
        var deepest = string.Join('.', Enumerable.Repeat("s", TopicName.MaxSegments));
        Assert.True(TopicName.TryParse(deepest, out _, out _));
        Assert.False(TopicName.TryParse(deepest + ".s", out _, out var error));
        Assert.Equal("Topic name has 17 segments; the maximum is 16.", error);
    }

    [Fact]
    public void Names_are_case_sensitive() =>
        Assert.NotEqual(TopicName.Parse("stocks.AAPL"), TopicName.Parse("stocks.aapl"));

    [Fact]
    public void Parse_throws_a_format_exception_with_the_reason()
    {
        var error = Assert.Throws<FormatException>(() => TopicName.Parse("a..b"));
        Assert.Contains("'..'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Names_order_ordinally_so_uppercase_sorts_before_lowercase() =>
        Assert.Equal(
            ["B", "a", "a.b", "a_b", "b"],
            new[] { "b", "a_b", "a.b", "B", "a" }.Select(TopicName.Parse).Order().Select(n => n.Value));

    [Fact]
    public void Any_string_is_accepted_exactly_when_it_matches_the_grammar_and_parsing_never_throws()
    {
        var grammar = new Regex("^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*\\z", RegexOptions.CultureInvariant);
        var candidates = Gen.OneOf(Generators.NearTopicName, Generators.Text);
        Check.One(Generators.Config, Prop.ForAll(candidates.ToArbitrary(), text =>
        {
            var expected = grammar.IsMatch(text) && text.Length <= TopicName.MaxLength && text.Count(c => c == '.') < TopicName.MaxSegments;
            var accepted = TopicName.TryParse(text, out var name, out var error);
            Assert.Equal(expected, accepted);
            Assert.Equal(accepted, error is null);
            Assert.True(accepted ? name.Value == text : !string.IsNullOrWhiteSpace(error));
        }));
    }

    [Fact]
    public void Every_accepted_name_needs_no_escaping_in_a_url_or_header() =>
        Check.One(Generators.Config, Prop.ForAll(Generators.Topic.ToArbitrary(), name =>
            Assert.Equal(name.Value, Uri.EscapeDataString(name.Value))));
}
