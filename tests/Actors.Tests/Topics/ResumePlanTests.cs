using EventActors.Actors.Topics;
using EventActors.Protocol;
using Xunit;

namespace EventActors.Actors.Tests.Topics;

public sealed class ResumePlanTests
{
    private static readonly TopicEpoch Epoch = TopicEpoch.Parse("k3x9q2ab");
    private static readonly TopicEpoch OtherEpoch = TopicEpoch.Parse("p0a8zz1c");

    // Head 100; events 1..40 were trimmed, 41..100 retained.
    private static readonly TopicPosition Topic = new(Epoch, Head: 100, EarliestRetained: 41);

    [Fact]
    public void No_id_starts_at_the_head() =>
        Assert.Equal(new ResumePlan(100, null), ResumePlan.Resolve(StartPosition.Live.Instance, Topic));

    [Fact]
    public void From_earliest_starts_before_the_oldest_retained_event() =>
        Assert.Equal(new ResumePlan(40, null), ResumePlan.Resolve(StartPosition.Earliest.Instance, Topic));

    [Theory]
    [InlineData(40UL)]
    [InlineData(41UL)]
    [InlineData(99UL)]
    [InlineData(100UL)]
    public void A_retained_id_resumes_exactly_after_it(ulong sequence) =>
        Assert.Equal(new ResumePlan(sequence, null), ResumePlan.Resolve(new StartPosition.After(new EventCursor(Epoch, sequence)), Topic));

    [Theory]
    [InlineData(0UL)]
    [InlineData(39UL)]
    public void An_id_before_the_retained_history_resets_to_the_oldest_retained_event(ulong sequence) =>
        Assert.Equal(new ResumePlan(40, ResetReason.HistoryTrimmed),
            ResumePlan.Resolve(new StartPosition.After(new EventCursor(Epoch, sequence)), Topic));

    [Fact]
    public void An_id_of_another_epoch_resets_to_the_start_of_the_current_one() =>
        Assert.Equal(new ResumePlan(40, ResetReason.StaleEpoch),
            ResumePlan.Resolve(new StartPosition.After(new EventCursor(OtherEpoch, 50)), Topic));

    [Fact]
    public void An_id_ahead_of_the_head_resets_to_the_head() =>
        Assert.Equal(new ResumePlan(100, ResetReason.AheadOfHead),
            ResumePlan.Resolve(new StartPosition.After(new EventCursor(Epoch, 101)), Topic));

    [Fact]
    public void An_unusable_id_resets_to_the_head() =>
        Assert.Equal(new ResumePlan(100, ResetReason.MalformedId),
            ResumePlan.Resolve(new StartPosition.Unusable(CursorError.Malformed, "garbage"), Topic));

    [Fact]
    public void An_empty_topic_resumes_from_zero()
    {
        var empty = new TopicPosition(Epoch, Head: 0, EarliestRetained: 1);
        Assert.Equal(new ResumePlan(0, null), ResumePlan.Resolve(new StartPosition.After(new EventCursor(Epoch, 0)), empty));
        Assert.Equal(new ResumePlan(0, null), ResumePlan.Resolve(StartPosition.Earliest.Instance, empty));
    }
}
