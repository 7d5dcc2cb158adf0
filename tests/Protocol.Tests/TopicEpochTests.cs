using Xunit;

namespace EventActors.Protocol.Tests;

public sealed class TopicEpochTests
{
    [Theory]
    [InlineData("k3x9q2ab")]
    [InlineData("00000000")]
    [InlineData("zzzzzzzz")]
    [InlineData("0000000z")]
    public void Eight_lowercase_base36_characters_parse_and_format_back_unchanged(string text)
    {
        Assert.True(TopicEpoch.TryParse(text, out var epoch));
        Assert.Equal(text, epoch.ToString());
        Assert.Equal(epoch, TopicEpoch.Parse(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("k3x9q2a")]
    [InlineData("k3x9q2abc")]
    [InlineData("K3X9Q2AB")]
    [InlineData("k3x9q2a-")]
    [InlineData("k3x9q2a ")]
    [InlineData("k3x9q2a\u0131")]
    public void Anything_else_is_not_an_epoch(string text)
    {
        Assert.False(TopicEpoch.TryParse(text, out _));
        Assert.Throws<FormatException>(() => TopicEpoch.Parse(text));
    }

    [Fact]
    public void Random_epochs_are_valid_distinct_and_use_the_whole_alphabet()
    {
        var epochs = Enumerable.Range(0, 2_000).Select(_ => TopicEpoch.NewRandom().ToString()).ToList();
        Assert.All(epochs, e => Assert.Matches("^[0-9a-z]{8}\\z", e));
        Assert.Equal(epochs.Count, epochs.Distinct().Count());
        // Each of the 36 characters is missing from 16,000 draws with odds of about e^-444.
        Assert.Equal(36, epochs.SelectMany(e => e).Distinct().Count());
    }

    [Fact]
    public void TryFormat_needs_room_for_eight_characters()
    {
        var epoch = TopicEpoch.Parse("k3x9q2ab");
        Assert.False(epoch.TryFormat(new char[7], out var none));
        Assert.Equal(0, none);
        var buffer = new char[10];
        Assert.True(epoch.TryFormat(buffer, out var written));
        Assert.Equal("k3x9q2ab", new string(buffer, 0, written));
    }
}
