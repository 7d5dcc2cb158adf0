using System.Text;
using EventActors.Actors.Journal;
using EventActors.Protocol;
using Xunit;

namespace EventActors.Actors.Tests.Journal;

/// <summary>
/// The contract every <see cref="IEventJournal"/> implementation passes, in the spirit of
/// Akka.NET's persistence TCK (<c>JournalSpec</c>): derive, say how to make a store and open a
/// journal on it, and every test here runs against that implementation. Nothing in here may
/// depend on how a particular journal stores its data.
/// </summary>
public abstract class JournalContractTests : IAsyncLifetime
{
    /// <summary>The idempotency window the tests' journals are opened with.</summary>
    protected static readonly TimeSpan IdempotencyWindow = TimeSpan.FromHours(1);

    private readonly List<IEventJournal> _opened = [];
    private string? _store;

    /// <summary>The journal's clock; starts on a whole millisecond, as the journal stores time.</summary>
    protected ManualClock Clock { get; } = new(new DateTimeOffset(2030, 1, 2, 3, 4, 5, 678, TimeSpan.Zero));

    /// <summary>The journal under test, opened on a fresh store before each test.</summary>
    protected IEventJournal Journal { get; private set; } = null!;

    protected string Store => _store ?? throw new InvalidOperationException("No store yet");

    /// <summary>Creates a fresh, empty store private to one test and returns its name (a file path, a schema name).</summary>
    protected abstract Task<string> CreateStoreAsync();

    /// <summary>
    /// Opens a journal on <paramref name="store"/>. Every call opens an independent instance, with
    /// its own writer and connections, as another process or node would.
    /// </summary>
    protected abstract IEventJournal OpenJournal(string store, TimeProvider clock, TimeSpan idempotencyWindow);

    /// <summary>Removes the store, after every journal opened on it has been disposed.</summary>
    protected abstract Task DeleteStoreAsync(string store);

    public async Task InitializeAsync()
    {
        _store = await CreateStoreAsync();
        Journal = Open();
    }

    public async Task DisposeAsync()
    {
        foreach (var journal in _opened)
        {
            await journal.DisposeAsync();
        }

        if (_store is not null)
        {
            await DeleteStoreAsync(_store);
        }
    }

    /// <summary>Opens another instance on this test's store; disposed with the test.</summary>
    protected IEventJournal Open()
    {
        var journal = OpenJournal(Store, Clock, IdempotencyWindow);
        _opened.Add(journal);
        return journal;
    }

    // ---- replay (JournalSpec: replay all, lower bound, upper bound, count limit, combinations) ----

    [Fact]
    public async Task Replaying_a_topic_returns_every_event_in_order()
    {
        await AppendTexts(Topic("orders"), 0, "a", "b", "c", "d", "e");

        var page = await Journal.ReadAsync(Topic("orders"), after: 0, maxEvents: 100);

        Assert.Equal(["a", "b", "c", "d", "e"], page.Events.Select(Text));
        Assert.Equal([1UL, 2, 3, 4, 5], page.Events.Select(e => e.Sequence));
        Assert.Equal(5UL, page.Topic!.Head);
    }

    [Fact]
    public async Task Reading_after_a_sequence_number_starts_just_past_it()
    {
        await AppendTexts(Topic("orders"), 0, "a", "b", "c", "d", "e");

        var page = await Journal.ReadAsync(Topic("orders"), after: 3, maxEvents: 100);

        Assert.Equal([4UL, 5], page.Events.Select(e => e.Sequence));
    }

    [Fact]
    public async Task Reading_through_a_sequence_number_stops_there()
    {
        await AppendTexts(Topic("orders"), 0, "a", "b", "c", "d", "e");

        var page = await Journal.ReadAsync(Topic("orders"), after: 0, maxEvents: 100, through: 3);

        Assert.Equal([1UL, 2, 3], page.Events.Select(e => e.Sequence));
    }

    [Fact]
    public async Task Reading_with_a_limit_returns_at_most_that_many_from_the_start()
    {
        await AppendTexts(Topic("orders"), 0, "a", "b", "c", "d", "e");

        var page = await Journal.ReadAsync(Topic("orders"), after: 0, maxEvents: 2);

        Assert.Equal([1UL, 2], page.Events.Select(e => e.Sequence));
    }

    [Fact]
    public async Task Lower_bound_upper_bound_and_limit_combine()
    {
        await AppendTexts(Topic("orders"), 0, "a", "b", "c", "d", "e", "f", "g");

        var limited = await Journal.ReadAsync(Topic("orders"), after: 1, maxEvents: 3, through: 6);
        var bounded = await Journal.ReadAsync(Topic("orders"), after: 2, maxEvents: 10, through: 4);

        Assert.Equal([2UL, 3, 4], limited.Events.Select(e => e.Sequence));
        Assert.Equal([3UL, 4], bounded.Events.Select(e => e.Sequence));
    }

    [Fact]
    public async Task Reading_exactly_one_event()
    {
        await AppendTexts(Topic("orders"), 0, "a", "b", "c");

        var byLimit = await Journal.ReadAsync(Topic("orders"), after: 1, maxEvents: 1);
        var byBounds = await Journal.ReadAsync(Topic("orders"), after: 1, maxEvents: 100, through: 2);

        Assert.Equal("b", Text(Assert.Single(byLimit.Events)));
        Assert.Equal("b", Text(Assert.Single(byBounds.Events)));
    }

    [Fact]
    public async Task A_limit_of_zero_returns_no_events_but_the_topic_state()
    {
        await AppendTexts(Topic("orders"), 0, "a", "b", "c");

        var page = await Journal.ReadAsync(Topic("orders"), after: 0, maxEvents: 0);

        Assert.Empty(page.Events);
        Assert.Equal(3UL, page.Topic!.Head);
    }

    [Fact]
    public async Task An_unknown_topic_has_no_state_and_reads_as_empty()
    {
        var page = await Journal.ReadAsync(Topic("nobody.here"), after: 0, maxEvents: 100);

        Assert.Null(page.Topic);
        Assert.Empty(page.Events);
        Assert.Null(await Journal.GetTopicAsync(Topic("nobody.here")));
    }

    [Fact]
    public async Task Reading_at_or_past_the_head_or_with_bounds_that_exclude_everything_returns_nothing()
    {
        await AppendTexts(Topic("orders"), 0, "a", "b", "c");

        Assert.Empty((await Journal.ReadAsync(Topic("orders"), after: 3, maxEvents: 100)).Events);
        Assert.Empty((await Journal.ReadAsync(Topic("orders"), after: 99, maxEvents: 100)).Events);
        Assert.Empty((await Journal.ReadAsync(Topic("orders"), after: 2, maxEvents: 100, through: 2)).Events);
        Assert.Empty((await Journal.ReadAsync(Topic("orders"), after: 2, maxEvents: 100, through: 1)).Events);
    }

    [Fact]
    public async Task A_created_topic_without_events_has_head_zero_and_reads_as_empty()
    {
        var created = await Journal.CreateTopicAsync(Topic("empty"));
        var again = await Journal.CreateTopicAsync(Topic("empty"));
        var page = await Journal.ReadAsync(Topic("empty"), after: 0, maxEvents: 100);

        Assert.Equal(0UL, created.Head);
        Assert.Equal(1UL, created.FirstSequence);
        Assert.Equal(created.Epoch, again.Epoch);
        Assert.Equal(created, page.Topic);
        Assert.Empty(page.Events);
        Assert.False(created.IsTrimmedAfter(0));
    }

    [Fact]
    public async Task Event_data_type_and_timestamp_round_trip_exactly()
    {
        byte[] binary = [0, 1, 0xFF, 0xFE, 10, 13, 0];
        var utf8 = Encoding.UTF8.GetBytes("{\"price\": 1.5, \"note\": \"héllo ☃\"}");
        var appended = await Journal.AppendAsync(new AppendRequest(Topic("round.trip"), 0,
        [
            new NewEvent(utf8, new SseEventType("quote")),
            new NewEvent(binary),
            new NewEvent(ReadOnlyMemory<byte>.Empty),
            new NewEvent(utf8.AsMemory(2, 5)),
        ]));

        var events = (await Journal.ReadAsync(Topic("round.trip"), 0, 100)).Events;

        Assert.Equal(Clock.GetUtcNow(), appended.Timestamp);
        Assert.All(events, e => Assert.Equal(appended.Timestamp, e.Timestamp));
        Assert.Equal(utf8, events[0].Data.ToArray());
        Assert.Equal("quote", events[0].Type?.Value);
        Assert.Equal(binary, events[1].Data.ToArray());
        Assert.Null(events[1].Type);
        Assert.Equal(0, events[2].Data.Length);
        Assert.Equal(utf8.AsSpan(2, 5).ToArray(), events[3].Data.ToArray());
    }

    // ---- appends: consecutive sequence numbers, atomic batches, fencing ----

    [Fact]
    public async Task A_batch_gets_consecutive_sequence_numbers_after_the_head_and_one_timestamp()
    {
        var first = await AppendTexts(Topic("orders"), 0, "a", "b");
        Clock.Advance(TimeSpan.FromSeconds(1));
        var second = await AppendTexts(Topic("orders"), 2, "c", "d", "e");

        Assert.Equal([1UL, 2], first.Events.Select(e => e.Sequence));
        Assert.Equal([3UL, 4, 5], second.Events.Select(e => e.Sequence));
        Assert.All(second.Events, e => Assert.False(e.Duplicate));
        Assert.Equal(5UL, second.Head);
        Assert.Equal(first.Epoch, second.Epoch);
        Assert.Equal(first.Timestamp + TimeSpan.FromSeconds(1), second.Timestamp);
        Assert.Equal(3, second.AppendedCount);
    }

    [Fact]
    public async Task Appending_with_a_stale_expected_head_is_a_conflict_that_writes_nothing()
    {
        await AppendTexts(Topic("orders"), 0, "a", "b");

        var conflict = await Assert.ThrowsAsync<AppendConflictException>(() => AppendTexts(Topic("orders"), 1, "x", "y", "z"));

        Assert.Equal(1UL, conflict.ExpectedHead);
        Assert.Equal(2UL, conflict.Actual!.Head);
        Assert.Equal(Topic("orders"), conflict.Topic);
        var page = await Journal.ReadAsync(Topic("orders"), 0, 100);
        Assert.Equal(["a", "b"], page.Events.Select(Text));
        Assert.Equal(2UL, page.Topic!.Head);
    }

    [Fact]
    public async Task Expecting_a_head_ahead_of_the_topic_is_a_conflict_that_leaves_no_gap()
    {
        await AppendTexts(Topic("orders"), 0, "a");

        await Assert.ThrowsAsync<AppendConflictException>(() => AppendTexts(Topic("orders"), 5, "x"));
        var missing = await Assert.ThrowsAsync<AppendConflictException>(() => AppendTexts(Topic("not.there"), 3, "x"));

        Assert.Null(missing.Actual);
        Assert.Null(await Journal.GetTopicAsync(Topic("not.there")));
        Assert.Equal(1UL, (await Journal.GetTopicAsync(Topic("orders")))!.Head);
    }

    [Fact]
    public async Task A_conflicting_batch_is_all_or_nothing_even_when_some_events_carry_new_keys()
    {
        await AppendTexts(Topic("orders"), 0, "a");

        await Assert.ThrowsAsync<AppendConflictException>(() => Journal.AppendAsync(new AppendRequest(Topic("orders"), 0,
            [Event("x", key: "kx"), Event("y", key: "ky")])));
        // Had the failed batch recorded its keys, these would come back as duplicates.
        var retry = await Journal.AppendAsync(new AppendRequest(Topic("orders"), 1, [Event("x", key: "kx"), Event("y", key: "ky")]));

        Assert.Equal([new AppendedEvent(2, false), new AppendedEvent(3, false)], retry.Events);
    }

    [Fact]
    public async Task A_rejected_append_does_not_fail_the_appends_committed_with_it()
    {
        await AppendTexts(Topic("stale"), 0, "a", "b");

        // Submitted together, so they share group commits wherever the journal groups.
        var good = Enumerable.Range(0, 20).Select(i => AppendTexts(Topic($"fresh.t{i}"), 0, $"e{i}")).ToList();
        var bad = AppendTexts(Topic("stale"), 0, "conflicting");
        var goodAfter = AppendTexts(Topic("stale"), 2, "c");

        await Assert.ThrowsAsync<AppendConflictException>(() => bad);
        Assert.All(await Task.WhenAll(good), r => Assert.Equal(1UL, r.Head));
        Assert.Equal(3UL, (await goodAfter).Head);
        Assert.Equal(["a", "b", "c"], (await Journal.ReadAsync(Topic("stale"), 0, 100)).Events.Select(Text));
    }

    [Fact]
    public async Task Appends_are_applied_in_the_order_they_were_submitted_so_a_writer_can_pipeline()
    {
        var first = AppendTexts(Topic("pipelined"), 0, "a", "b");
        var second = AppendTexts(Topic("pipelined"), 2, "c");
        var third = AppendTexts(Topic("pipelined"), 3, "d", "e");

        await Task.WhenAll(first, second, third);

        Assert.Equal(5UL, (await third).Head);
        Assert.Equal(["a", "b", "c", "d", "e"], (await Journal.ReadAsync(Topic("pipelined"), 0, 100)).Events.Select(Text));
    }

    [Fact]
    public async Task A_second_writer_on_the_same_topic_is_rejected()
    {
        var second = Open();
        await Journal.CreateTopicAsync(Topic("contested"));

        // Both believe the topic is empty; the store lets exactly one of them commit.
        var fromFirst = AppendTexts(Topic("contested"), 0, "first writer");
        var fromSecond = AppendTexts(Topic("contested"), 0, "second writer", journal: second);
        var outcomes = await Task.WhenAll(Outcome(fromFirst), Outcome(fromSecond));

        var winner = Assert.Single(outcomes, o => o.Result is not null);
        var loser = Assert.Single(outcomes, o => o.Error is not null);
        var conflict = Assert.IsType<AppendConflictException>(loser.Error);
        Assert.Equal(1UL, conflict.Actual?.Head);
        var page = await Open().ReadAsync(Topic("contested"), 0, 100);
        var stored = Assert.Single(page.Events);
        Assert.Equal(winner == outcomes[0] ? "first writer" : "second writer", Text(stored));
        Assert.Equal(1UL, page.Topic!.Head);

        // The loser, now knowing the head, can continue the topic, and the first writer's stale view is fenced.
        await AppendTexts(Topic("contested"), 1, "after", journal: winner == outcomes[0] ? second : Journal);
        await Assert.ThrowsAsync<AppendConflictException>(() => AppendTexts(Topic("contested"), 1, "stale", journal: winner == outcomes[0] ? Journal : second));
        Assert.Equal(["after"], (await Journal.ReadAsync(Topic("contested"), 1, 100)).Events.Select(Text));
    }

    [Fact]
    public async Task A_second_writer_racing_on_a_new_topic_cannot_create_it_twice()
    {
        var second = Open();

        var outcomes = await Task.WhenAll(
            Outcome(AppendTexts(Topic("brand.new"), 0, "one")),
            Outcome(AppendTexts(Topic("brand.new"), 0, "two", journal: second)));

        Assert.Single(outcomes, o => o.Result is not null);
        Assert.IsType<AppendConflictException>(Assert.Single(outcomes, o => o.Error is not null).Error);
        Assert.Single((await Journal.ReadAsync(Topic("brand.new"), 0, 100)).Events);
    }

    [Fact]
    public async Task Appends_to_many_topics_submitted_together_are_all_acknowledged()
    {
        var appends = Enumerable.Range(0, 200)
            .Select(i => AppendTexts(Topic($"many.t{i:D3}"), 0, $"a{i}", $"b{i}"))
            .ToList();

        var results = await Task.WhenAll(appends);

        Assert.All(results, r => Assert.Equal(2UL, r.Head));
        for (var i = 0; i < 200; i += 37)
        {
            Assert.Equal([$"a{i}", $"b{i}"], (await Journal.ReadAsync(Topic($"many.t{i:D3}"), 0, 10)).Events.Select(Text));
        }
    }

    [Fact]
    public async Task Concurrent_appends_from_many_tasks_are_all_acknowledged_with_gap_free_sequences()
    {
        const int Tasks = 16, AppendsPerTask = 25;
        TopicName[] topics = [Topic("busy.a"), Topic("busy.b"), Topic("busy.c")];
        var acknowledged = new System.Collections.Concurrent.ConcurrentBag<(TopicName Topic, string Text, ulong Sequence)>();

        await Task.WhenAll(Enumerable.Range(0, Tasks).Select(task => Task.Run(async () =>
        {
            for (var i = 0; i < AppendsPerTask; i++)
            {
                var topic = topics[(task + i) % topics.Length];
                var texts = Enumerable.Range(0, 1 + (i % 3)).Select(n => $"task{task}-append{i}-event{n}").ToArray();
                // No expected head: many writers share these topics, which the journal must serialize.
                var result = await Journal.AppendAsync(new AppendRequest(topic, null, texts.Select(t => Event(t)).ToList()));
                for (var n = 0; n < texts.Length; n++)
                {
                    acknowledged.Add((topic, texts[n], result.Events[n].Sequence));
                }
            }
        })));

        foreach (var topic in topics)
        {
            var acks = acknowledged.Where(a => a.Topic == topic).OrderBy(a => a.Sequence).ToList();
            var page = await Journal.ReadAsync(topic, 0, 10_000);
            Assert.Equal(Enumerable.Range(1, acks.Count).Select(i => (ulong)i), acks.Select(a => a.Sequence));
            Assert.Equal(acks.Select(a => (a.Sequence, a.Text)), page.Events.Select(e => (e.Sequence, Text(e))));
            Assert.Equal((ulong)acks.Count, page.Topic!.Head);
        }
    }

    // ---- idempotency ----

    [Fact]
    public async Task Repeating_an_idempotency_key_returns_the_original_sequence_and_appends_nothing()
    {
        var original = await Journal.AppendAsync(new AppendRequest(Topic("orders"), 0, [Event("a"), Event("b", key: "order-17")]));

        var repeat = await Journal.AppendAsync(new AppendRequest(Topic("orders"), 2, [Event("b again", key: "order-17")]));

        Assert.Equal(new AppendedEvent(2, Duplicate: false), original.Events[1]);
        Assert.Equal([new AppendedEvent(2, Duplicate: true)], repeat.Events);
        Assert.Equal(2UL, repeat.Head);
        Assert.Equal(0, repeat.AppendedCount);
        Assert.Equal(["a", "b"], (await Journal.ReadAsync(Topic("orders"), 0, 100)).Events.Select(Text));
    }

    [Fact]
    public async Task A_mixed_batch_reports_duplicates_with_their_original_sequence_and_appends_the_rest_consecutively()
    {
        await Journal.AppendAsync(new AppendRequest(Topic("orders"), 0, [Event("a", key: "ka"), Event("b", key: "kb")]));

        var mixed = await Journal.AppendAsync(new AppendRequest(Topic("orders"), 2,
            [Event("a again", key: "ka"), Event("x", key: "kx"), Event("b again", key: "kb"), Event("y")]));

        Assert.Equal(
            [new AppendedEvent(1, true), new AppendedEvent(3, false), new AppendedEvent(2, true), new AppendedEvent(4, false)],
            mixed.Events);
        Assert.Equal(4UL, mixed.Head);
        Assert.Equal(["a", "b", "x", "y"], (await Journal.ReadAsync(Topic("orders"), 0, 100)).Events.Select(Text));
    }

    [Fact]
    public async Task A_key_repeated_within_one_batch_is_a_duplicate_of_its_first_occurrence()
    {
        var result = await Journal.AppendAsync(new AppendRequest(Topic("orders"), 0, [Event("a", key: "k"), Event("a twice", key: "k"), Event("b")]));

        Assert.Equal([new AppendedEvent(1, false), new AppendedEvent(1, true), new AppendedEvent(2, false)], result.Events);
        Assert.Equal(["a", "b"], (await Journal.ReadAsync(Topic("orders"), 0, 100)).Events.Select(Text));
    }

    [Fact]
    public async Task An_idempotency_key_is_remembered_within_the_window_and_forgotten_after_it()
    {
        await Journal.AppendAsync(new AppendRequest(Topic("orders"), 0, [Event("a", key: "k")]));

        Clock.Advance(IdempotencyWindow - TimeSpan.FromMilliseconds(1));
        var within = await Journal.AppendAsync(new AppendRequest(Topic("orders"), 1, [Event("a", key: "k")]));
        Clock.Advance(TimeSpan.FromMilliseconds(1));
        var after = await Journal.AppendAsync(new AppendRequest(Topic("orders"), 1, [Event("a", key: "k")]));
        var againAfter = await Journal.AppendAsync(new AppendRequest(Topic("orders"), 2, [Event("a", key: "k")]));

        Assert.Equal(new AppendedEvent(1, true), within.Events[0]);
        Assert.Equal(new AppendedEvent(2, false), after.Events[0]);
        Assert.Equal(new AppendedEvent(2, true), againAfter.Events[0]);
    }

    [Fact]
    public async Task Idempotency_keys_belong_to_their_topic()
    {
        await Journal.AppendAsync(new AppendRequest(Topic("first"), 0, [Event("a", key: "shared")]));

        var other = await Journal.AppendAsync(new AppendRequest(Topic("second"), 0, [Event("b", key: "shared")]));

        Assert.Equal(new AppendedEvent(1, false), other.Events[0]);
        Assert.Single((await Journal.ReadAsync(Topic("second"), 0, 100)).Events);
    }

    [Fact]
    public async Task The_expected_head_is_checked_before_the_keys()
    {
        await Journal.AppendAsync(new AppendRequest(Topic("orders"), 0, [Event("a", key: "k")]));

        await Assert.ThrowsAsync<AppendConflictException>(() =>
            Journal.AppendAsync(new AppendRequest(Topic("orders"), 0, [Event("a", key: "k")])));
    }

    [Fact]
    public async Task An_idempotency_key_outlives_the_trimmed_event_it_named()
    {
        await Journal.AppendAsync(new AppendRequest(Topic("orders"), 0, [Event("a", key: "k"), Event("b")]));
        await Journal.TrimAsync(Topic("orders"), new Retention { MaxEvents = 0 });

        var repeat = await Journal.AppendAsync(new AppendRequest(Topic("orders"), 2, [Event("a", key: "k")]));

        Assert.Equal(new AppendedEvent(1, true), repeat.Events[0]);
        Assert.Equal(2UL, repeat.Head);
    }

    // ---- epochs, deletion, listing ----

    [Fact]
    public async Task Deleting_and_recreating_a_topic_changes_its_epoch_restarts_at_one_and_forgets_its_keys()
    {
        var before = await Journal.AppendAsync(new AppendRequest(Topic("orders"), 0, [Event("a", key: "k"), Event("b")]));

        Assert.True(await Journal.DeleteTopicAsync(Topic("orders")));
        Assert.Null(await Journal.GetTopicAsync(Topic("orders")));
        var page = await Journal.ReadAsync(Topic("orders"), 0, 100);
        var after = await Journal.AppendAsync(new AppendRequest(Topic("orders"), 0, [Event("new a", key: "k")]));

        Assert.Null(page.Topic);
        Assert.Empty(page.Events);
        Assert.NotEqual(before.Epoch, after.Epoch);
        Assert.Equal([new AppendedEvent(1, false)], after.Events);
        Assert.Equal(["new a"], (await Journal.ReadAsync(Topic("orders"), 0, 100)).Events.Select(Text));
        Assert.Equal(after.Epoch, (await Journal.GetTopicAsync(Topic("orders")))!.Epoch);
    }

    [Fact]
    public async Task Deleting_an_unknown_topic_reports_that_it_did_not_exist()
    {
        Assert.False(await Journal.DeleteTopicAsync(Topic("never.was")));
    }

    [Fact]
    public async Task Stating_an_epoch_that_is_not_the_topics_is_a_conflict()
    {
        var old = await AppendTexts(Topic("orders"), 0, "a");
        await Journal.DeleteTopicAsync(Topic("orders"));
        var recreated = await AppendTexts(Topic("orders"), 0, "b");

        // A writer that recovered the old incarnation must not append to the new one, even with a matching head.
        var conflict = await Assert.ThrowsAsync<AppendConflictException>(() =>
            Journal.AppendAsync(new AppendRequest(Topic("orders"), 1, [Event("stale")]) { ExpectedEpoch = old.Epoch }));
        var matching = await Journal.AppendAsync(new AppendRequest(Topic("orders"), 1, [Event("c")]) { ExpectedEpoch = recreated.Epoch });
        await Assert.ThrowsAsync<AppendConflictException>(() =>
            Journal.AppendAsync(new AppendRequest(Topic("absent"), 0, [Event("x")]) { ExpectedEpoch = old.Epoch }));

        Assert.Equal(recreated.Epoch, conflict.Actual!.Epoch);
        Assert.Equal(2UL, matching.Head);
    }

    [Fact]
    public async Task Listing_topics_pages_through_them_in_ordinal_name_order()
    {
        foreach (var name in new[] { "b", "a.c", "a", "B", "a.b" })
        {
            await Journal.CreateTopicAsync(Topic(name));
        }

        var first = await Journal.ListTopicsAsync(null, 2);
        var rest = await Journal.ListTopicsAsync(first[^1].Topic, 10);
        var none = await Journal.ListTopicsAsync(Topic("b"), 10);

        Assert.Equal(["B", "a"], first.Select(t => t.Topic.Value));
        Assert.Equal(["a.b", "a.c", "b"], rest.Select(t => t.Topic.Value));
        Assert.Empty(none);
        Assert.Equal(Clock.GetUtcNow(), first[0].CreatedAt);
    }

    [Fact]
    public async Task Listing_topic_ages_gives_each_topic_the_time_of_its_oldest_retained_event()
    {
        await AppendTexts(Topic("a"), 0, "old", "older than the rest");
        var first = Clock.GetUtcNow();
        Clock.Advance(TimeSpan.FromMinutes(10));
        await AppendTexts(Topic("a"), 2, "new");
        await AppendTexts(Topic("b"), 0, "new");
        await Journal.CreateTopicAsync(Topic("c")); // no event
        await AppendTexts(Topic("d"), 0, "trimmed");
        await Journal.TrimAsync(Topic("d"), new Retention { MaxEvents = 0 });
        var second = Clock.GetUtcNow();
        await Journal.TrimAsync(Topic("a"), new Retention { MaxEvents = 2 }); // "old" goes: the oldest retained is now the second

        var page = await Journal.ListTopicAgesAsync(null, 3);
        var rest = await Journal.ListTopicAgesAsync(page[^1].Topic, 10);

        Assert.Equal([new TopicAge(Topic("a"), first), new TopicAge(Topic("b"), second), new TopicAge(Topic("c"), null)], page);
        Assert.Equal([new TopicAge(Topic("d"), null)], rest);
    }

    // ---- retention (JournalSpec: deleted events not replayed; highest sequence kept) ----

    [Fact]
    public async Task Trimmed_events_are_not_replayed_and_the_first_retained_sequence_says_so()
    {
        await AppendTexts(Topic("orders"), 0, "a", "b", "c", "d", "e");

        var trimmed = await Journal.TrimAsync(Topic("orders"), new Retention { MaxEvents = 2 });
        var page = await Journal.ReadAsync(Topic("orders"), 0, 100);

        Assert.Equal(3UL, trimmed.RemovedEvents);
        Assert.Equal(4UL, trimmed.Topic!.FirstSequence);
        Assert.Equal(["d", "e"], page.Events.Select(Text));
        Assert.Equal(4UL, page.Topic!.FirstSequence);
        Assert.Equal(5UL, page.Topic.Head);
        Assert.Equal(2UL, page.Topic.RetainedCount);
        Assert.True(page.Topic.IsTrimmedAfter(0));
        Assert.True(page.Topic.IsTrimmedAfter(2));
        Assert.False(page.Topic.IsTrimmedAfter(3));
        Assert.False(page.Topic.IsTrimmedAfter(5));
    }

    [Fact]
    public async Task Trimming_by_age_removes_only_the_events_older_than_the_limit()
    {
        await AppendTexts(Topic("orders"), 0, "old1", "old2");
        Clock.Advance(TimeSpan.FromMinutes(10));
        await AppendTexts(Topic("orders"), 2, "new1", "new2");
        Clock.Advance(TimeSpan.FromMinutes(1));

        var unchanged = await Journal.TrimAsync(Topic("orders"), new Retention { MaxAge = TimeSpan.FromMinutes(20) });
        var trimmed = await Journal.TrimAsync(Topic("orders"), new Retention { MaxAge = TimeSpan.FromMinutes(5) });

        Assert.Equal(0UL, unchanged.RemovedEvents);
        Assert.Equal(2UL, trimmed.RemovedEvents);
        Assert.Equal(["new1", "new2"], (await Journal.ReadAsync(Topic("orders"), 0, 100)).Events.Select(Text));
        Assert.Equal(3UL, trimmed.Topic!.FirstSequence);
    }

    [Fact]
    public async Task Count_and_age_limits_together_keep_the_smaller_remainder()
    {
        await AppendTexts(Topic("orders"), 0, "old1", "old2");
        Clock.Advance(TimeSpan.FromMinutes(10));
        await AppendTexts(Topic("orders"), 2, "new1", "new2", "new3");

        var trimmed = await Journal.TrimAsync(Topic("orders"), new Retention { MaxEvents = 4, MaxAge = TimeSpan.FromMinutes(5) });

        Assert.Equal(["new1", "new2", "new3"], (await Journal.ReadAsync(Topic("orders"), 0, 100)).Events.Select(Text));
        Assert.Equal(3UL, trimmed.Topic!.FirstSequence);
    }

    [Fact]
    public async Task Trimming_everything_keeps_the_head_and_the_next_append_continues_from_it()
    {
        await AppendTexts(Topic("orders"), 0, "a", "b", "c");

        var trimmed = await Journal.TrimAsync(Topic("orders"), new Retention { MaxEvents = 0 });
        var info = await Journal.GetTopicAsync(Topic("orders"));
        var empty = await Journal.ReadAsync(Topic("orders"), 0, 100);
        var next = await AppendTexts(Topic("orders"), 3, "d");

        Assert.Equal(3UL, trimmed.RemovedEvents);
        Assert.Equal(3UL, info!.Head);
        Assert.Equal(4UL, info.FirstSequence);
        Assert.Equal(0UL, info.RetainedCount);
        Assert.True(info.IsTrimmedAfter(2));
        Assert.Empty(empty.Events);
        Assert.Equal([4UL], next.Events.Select(e => e.Sequence));
        Assert.Equal(["d"], (await Journal.ReadAsync(Topic("orders"), 0, 100)).Events.Select(Text));
        Assert.Equal(4UL, (await Journal.GetTopicAsync(Topic("orders")))!.FirstSequence);
    }

    [Fact]
    public async Task Trimming_never_lowers_the_first_retained_sequence_and_ignores_unknown_topics()
    {
        await AppendTexts(Topic("orders"), 0, "a", "b", "c", "d");
        await Journal.TrimAsync(Topic("orders"), new Retention { MaxEvents = 1 });

        var looser = await Journal.TrimAsync(Topic("orders"), new Retention { MaxEvents = 3 });
        var unknown = await Journal.TrimAsync(Topic("nobody"), new Retention { MaxEvents = 0 });

        Assert.Equal(0UL, looser.RemovedEvents);
        Assert.Equal(4UL, looser.Topic!.FirstSequence);
        Assert.Null(unknown.Topic);
    }

    [Fact]
    public async Task The_head_and_events_survive_reopening_the_store()
    {
        var appended = await AppendTexts(Topic("orders"), 0, "a", "b", "c");
        await Journal.TrimAsync(Topic("orders"), new Retention { MaxEvents = 1 });

        var reopened = Open();
        var page = await reopened.ReadAsync(Topic("orders"), 0, 100);

        Assert.Equal(appended.Epoch, page.Topic!.Epoch);
        Assert.Equal(3UL, page.Topic.Head);
        Assert.Equal(3UL, page.Topic.FirstSequence);
        Assert.Equal(["c"], page.Events.Select(Text));
    }

    // ---- helpers ----

    protected static TopicName Topic(string name) => TopicName.Parse(name);

    protected static NewEvent Event(string text, string? key = null) => new(Encoding.UTF8.GetBytes(text), null, key);

    protected static string Text(StoredEvent stored) => Encoding.UTF8.GetString(stored.Data.Span);

    protected Task<AppendResult> AppendTexts(TopicName topic, ulong? expectedHead, params string[] texts) =>
        AppendTexts(topic, expectedHead, texts, Journal);

    private static Task<AppendResult> AppendTexts(TopicName topic, ulong? expectedHead, string text, IEventJournal journal) =>
        AppendTexts(topic, expectedHead, [text], journal);

    private static Task<AppendResult> AppendTexts(TopicName topic, ulong? expectedHead, string[] texts, IEventJournal journal) =>
        journal.AppendAsync(new AppendRequest(topic, expectedHead, texts.Select(t => Event(t)).ToList()));

    private static async Task<(AppendResult? Result, Exception? Error)> Outcome(Task<AppendResult> append)
    {
        try
        {
            return (await append, null);
        }
        catch (JournalException error)
        {
            return (null, error);
        }
    }
}
