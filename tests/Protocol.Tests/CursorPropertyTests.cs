using System.Text.RegularExpressions;
using EventActors.Protocol.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace EventActors.Protocol.Tests;

/// <summary>Properties of cursor formatting and of parsing whatever a client sends.</summary>
public sealed class CursorPropertyTests
{
    private static readonly Regex s_headerAndUrlSafe = new("^[A-Za-z0-9._~-]+\\z", RegexOptions.CultureInvariant);
    private static readonly TopicSet s_someSet = TopicSet.Create(TopicName.Parse("a"), TopicName.Parse("b.c"));

    [Fact]
    public void Any_single_topic_cursor_formats_short_and_safe_and_parses_back() =>
        Check.One(Generators.Config, Prop.ForAll(Generators.Cursor.ToArbitrary(), cursor =>
        {
            var text = cursor.ToString();
            Assert.Matches(s_headerAndUrlSafe, text);
            Assert.InRange(text.Length, 10, EventCursor.MaxLength);
            Assert.True(EventCursor.TryParse(text, out var parsed, out var error));
            Assert.Equal((cursor, CursorError.None), (parsed, error));
        }));

    [Fact]
    public void Any_multi_topic_cursor_formats_short_and_safe_and_parses_back() =>
        Check.One(Generators.Config, Prop.ForAll(Generators.MultiCursor.ToArbitrary(), cursor =>
        {
            var text = cursor.Format();
            Assert.Matches(s_headerAndUrlSafe, text);
            Assert.InRange(text.Length, 21, MultiTopicCursor.MaxLength);
            Assert.True(MultiTopicCursor.TryParse(text, cursor.Topics, out var parsed, out var error));
            Assert.Equal(CursorError.None, error);
            Assert.Equal(cursor.Positions.ToArray(), parsed.Positions.ToArray());
        }));

    [Fact]
    public void Any_multi_topic_cursor_is_rejected_by_a_stream_over_other_topics() =>
        Check.One(Generators.Config, Prop.ForAll(Generators.MultiCursor.ToArbitrary(), Generators.Topics.ToArbitrary(), (cursor, other) =>
        {
            var sameSet = cursor.Topics.SequenceEqual(other);
            Assert.Equal(sameSet, MultiTopicCursor.TryParse(cursor.Format(), other, out _, out var error));
            Assert.Equal(sameSet ? CursorError.None : CursorError.TopicSetMismatch, error);
        }));

    [Fact]
    public void Any_cursor_is_the_wrong_kind_for_the_other_parser() =>
        Check.One(Generators.Config, Prop.ForAll(Generators.Cursor.ToArbitrary(), Generators.MultiCursor.ToArbitrary(), (single, multi) =>
        {
            Assert.False(MultiTopicCursor.TryParse(single.ToString(), multi.Topics, out _, out var error));
            Assert.Equal(CursorError.WrongKind, error);
            Assert.False(EventCursor.TryParse(multi.Format(), out _, out error));
            Assert.Equal(CursorError.WrongKind, error);
        }));

    [Fact]
    public void Any_text_parses_without_throwing_and_the_result_agrees_with_the_error() =>
        Check.One(Generators.Config, Prop.ForAll(Generators.Text.ToArbitrary(), text => AssertParsesSafely(text)));

    /// <summary>
    /// Near-misses of real cursors: whatever a one-character edit produces either fails with an
    /// error, or is itself the one canonical spelling of the cursor it parses to.
    /// </summary>
    [Fact]
    public void Any_edit_of_a_valid_cursor_is_rejected_or_is_the_canonical_spelling_of_what_it_parses_to()
    {
        var singles = Generators.Mutated(Generators.Cursor.Select(c => c.ToString()));
        Check.One(Generators.Config, Prop.ForAll(singles.ToArbitrary(), AssertParsesSafely));

        var multis = Generators.MultiCursor.SelectMany(c => Generators.Mutated(Gen.Constant(c.Format())).Select(text => (c.Topics, text)));
        Check.One(Generators.Config, Prop.ForAll(multis.ToArbitrary(), pair =>
        {
            if (MultiTopicCursor.TryParse(pair.text, pair.Topics, out var parsed, out var error))
            {
                Assert.Equal(pair.text, parsed.Format());
            }
            else
            {
                Assert.NotEqual(CursorError.None, error);
            }
        }));
    }

    private static void AssertParsesSafely(string text)
    {
        if (EventCursor.TryParse(text, out var single, out var error))
        {
            Assert.Equal((text, CursorError.None), (single.ToString(), error));
        }
        else
        {
            Assert.NotEqual(CursorError.None, error);
            Assert.Equal(default, single);
        }

        if (MultiTopicCursor.TryParse(text, s_someSet, out var multi, out error))
        {
            Assert.Equal((text, CursorError.None), (multi.Format(), error));
        }
        else
        {
            Assert.NotEqual(CursorError.None, error);
            Assert.Null(multi);
        }

        _ = TopicEpoch.TryParse(text, out _);
        _ = TopicName.TryParse(text, out _, out _);
    }
}
