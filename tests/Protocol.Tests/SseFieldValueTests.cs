using Xunit;

namespace EventActors.Protocol.Tests;

/// <summary>An event type or id that could break out of its line cannot be constructed.</summary>
public sealed class SseFieldValueTests
{
    [Theory]
    [InlineData("a\rb")]
    [InlineData("a\nb")]
    [InlineData("a\r\nb")]
    [InlineData("\n")]
    [InlineData("trailing\r")]
    [InlineData("a\0b")]
    public void Event_type_or_id_with_a_line_break_or_NUL_is_rejected(string value) => AssertRejected(value);

    [Fact]
    public void Event_type_or_id_with_a_lone_surrogate_is_rejected_because_it_would_not_come_back_the_same()
    {
        // Not [InlineData]: test-case serialization would replace the lone surrogates before the test saw them.
        AssertRejected("lone\uD800surrogate");
        AssertRejected("\uDC00");
        AssertRejected("ends high\uD83D");
        AssertRejected("swapped\uDE00\uD83D");
        Assert.True(SseEventId.TryCreate("pair\uD83D\uDE00", out _));
    }

    [Theory]
    [InlineData("message")]
    [InlineData("stocks.AAPL")]
    [InlineData(" leading space")]
    [InlineData("colon: inside")]
    [InlineData("tab\tinside")]
    [InlineData("é…😀")]
    public void Event_type_or_id_of_one_well_formed_line_is_accepted(string value)
    {
        Assert.True(SseEventType.TryCreate(value, out var type));
        Assert.True(SseEventId.TryCreate(value, out var id));
        Assert.Equal(value, type.Value);
        Assert.Equal(value, id.Value);
    }

    [Fact]
    public void Event_type_cannot_be_empty_but_an_id_can()
    {
        Assert.False(SseEventType.TryCreate(string.Empty, out _));
        Assert.True(SseEventId.TryCreate(string.Empty, out var id));
        Assert.Equal(string.Empty, id.Value);
    }

    [Fact]
    public void Null_is_neither_a_type_nor_an_id()
    {
        Assert.False(SseEventType.TryCreate(null, out _));
        Assert.False(SseEventId.TryCreate(null, out _));
        Assert.Throws<ArgumentNullException>(() => new SseEventType(null!));
        Assert.Throws<ArgumentNullException>(() => new SseEventId(null!));
    }

    [Fact]
    public void The_rejection_message_names_the_offending_character_and_where_it_is()
    {
        var error = Assert.Throws<ArgumentException>(() => new SseEventId("abc\ndef"));
        Assert.Contains("line feed", error.Message, StringComparison.Ordinal);
        Assert.Contains("index 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Types_and_ids_compare_by_value()
    {
        Assert.Equal(new SseEventType("a"), new SseEventType("a"));
        Assert.NotEqual(new SseEventType("a"), new SseEventType("A"));
        Assert.Equal(new SseEventId("1"), new SseEventId("1"));
    }

    private static void AssertRejected(string value)
    {
        Assert.False(SseEventType.TryCreate(value, out _));
        Assert.False(SseEventId.TryCreate(value, out _));
        Assert.Throws<ArgumentException>(() => new SseEventType(value));
        Assert.Throws<ArgumentException>(() => new SseEventId(value));
    }
}
