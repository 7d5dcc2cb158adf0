using EventActors.Actors.Journal;
using EventActors.Actors.Persistence;
using EventActors.Actors.Tests.Journal;
using EventActors.Actors.Topics;
using EventActors.Protocol;
using Xunit;

namespace EventActors.Actors.Tests.Topics;

/// <summary>
/// The sweep on a real SQLite journal: which topics it asks to apply their age limit, how many
/// at a time, and that it goes on past a topic that does not answer. A probe stands for the shard
/// region, so each question can be seen and answered (the topic's side: TopicActorTests; the
/// whole node: AgeRetentionSweepTests in Host.Tests).
/// </summary>
public sealed class AgeRetentionSweeperTests : ActorTest, IAsyncLifetime
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromHours(1);
    private readonly string _directory = TemporaryDirectory.Create("sweeper");
    private readonly ManualClock _clock = new(new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero));
    private SqliteJournal _journal = null!;

    public Task InitializeAsync()
    {
        _journal = SqliteJournal.Open(new SqliteJournalOptions { Path = Path.Combine(_directory, "journal.db"), TimeProvider = _clock });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        Shutdown();
        await _journal.DisposeAsync();
        TemporaryDirectory.Delete(_directory);
    }

    private async Task AppendAsync(string topic) =>
        await _journal.AppendAsync(new AppendRequest(TopicName.Parse(topic), 0, [new NewEvent("x"u8.ToArray())]));

    /// <summary>A sweeper over this journal that asks <paramref name="topics"/> (for the region), a sweep every 50 ms.</summary>
    private void StartSweeper(Akka.TestKit.TestProbe topics, Func<AgeRetentionSweepSettings, AgeRetentionSweepSettings> adjust) =>
        Sys.ActorOf(AgeRetentionSweeper.Props(new JournalTopicCatalog(_journal), topics.Ref,
            adjust(new AgeRetentionSweepSettings(MaxAge, TimeSpan.FromMilliseconds(50))), _clock));

    private ApplyAgeRetention ExpectAsked(Akka.TestKit.TestProbe topics, string topic)
    {
        var asked = topics.ExpectMsg<ApplyAgeRetention>();
        Assert.Equal(topic, asked.Topic.Value);
        return asked;
    }

    [Fact]
    public async Task A_sweep_asks_only_the_topics_holding_events_past_the_limit_one_page_and_a_few_at_a_time_then_sweeps_again()
    {
        foreach (var topic in new[] { "a", "c", "e" })
        {
            await AppendAsync(topic);
        }

        _clock.Advance(MaxAge * 2);
        await AppendAsync("b");
        await AppendAsync("d");
        await _journal.CreateTopicAsync(TopicName.Parse("f")); // no event at all

        var topics = CreateTestProbe();
        StartSweeper(topics, settings => settings with { PageSize = 2, MaxInFlight = 1 });

        foreach (var sweep in new[] { 1, 2 })
        {
            foreach (var old in new[] { "a", "c", "e" })
            {
                ExpectAsked(topics, old);
                var asker = topics.LastSender;
                topics.ExpectNoMsg(TimeSpan.FromMilliseconds(100)); // one at a time: the next waits for this answer
                asker.Tell(new AgeRetentionApplied(TopicName.Parse(old)), topics.Ref);
            }
        }
    }

    [Fact]
    public async Task A_topic_that_does_not_answer_is_left_for_the_next_sweep_and_the_others_are_still_asked()
    {
        await AppendAsync("a");
        await AppendAsync("b");
        _clock.Advance(MaxAge * 2);

        var topics = CreateTestProbe();
        StartSweeper(topics, settings => settings with { MaxInFlight = 1, AskTimeout = TimeSpan.FromMilliseconds(200) });

        ExpectAsked(topics, "a"); // unanswered
        ExpectAsked(topics, "b");
        topics.Reply(new AgeRetentionApplied(TopicName.Parse("b")));
        ExpectAsked(topics, "a"); // the next sweep
    }
}
