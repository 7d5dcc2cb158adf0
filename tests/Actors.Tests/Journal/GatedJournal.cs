using EventActors.Actors.Journal;
using EventActors.Protocol;
using Xunit;

namespace EventActors.Actors.Tests.Journal;

/// <summary>
/// A real journal behind a gate: appends can be held while a test queues more work, so what the
/// actors above do meanwhile is observable without timing, and the journal can be made to fail
/// the way an unreachable database does. Everything else goes straight to the real journal.
/// </summary>
internal sealed class GatedJournal(SqliteJournal inner) : IEventJournal, ISnapshotStorage
{
    private readonly List<int> _appendSizes = [];
    private readonly List<ulong> _readsAfter = [];
    private readonly SemaphoreSlim _held = new(0);
    private TaskCompletionSource? _gate;

    /// <summary>Events per append, in order.</summary>
    public IReadOnlyList<int> AppendSizes
    {
        get
        {
            lock (_appendSizes)
            {
                return [.. _appendSizes];
            }
        }
    }

    /// <summary>Where each read of events started (its <c>after</c>), in order.</summary>
    public IReadOnlyList<ulong> ReadsAfter
    {
        get
        {
            lock (_readsAfter)
            {
                return [.. _readsAfter];
            }
        }
    }

    /// <summary>Makes every append fail with this, as the journal would report it.</summary>
    public Exception? FailAppendsWith { get; set; }

    /// <summary>Makes every snapshot load fail with this: a topic cannot recover.</summary>
    public Exception? FailSnapshotLoadsWith { get; set; }

    /// <summary>Runs before each read of events (to change the journal under a reader).</summary>
    public Func<ulong, Task>? BeforeRead { get; set; }

    public void HoldAppends() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void WaitForHeldAppend() => Assert.True(_held.Wait(TimeSpan.FromMinutes(1)), "no append reached the gate");

    public void ReleaseAppends() => Interlocked.Exchange(ref _gate, null)?.SetResult();

    public async Task<AppendResult> AppendAsync(AppendRequest request, CancellationToken cancellationToken = default)
    {
        lock (_appendSizes)
        {
            _appendSizes.Add(request.Events.Count);
        }

        if (_gate is { } gate)
        {
            _held.Release();
            await gate.Task;
        }

        if (FailAppendsWith is { } failure)
        {
            throw failure;
        }

        return await inner.AppendAsync(request, cancellationToken);
    }

    public async Task<EventPage> ReadAsync(TopicName topic, ulong after, int maxEvents, ulong through = IEventJournal.MaxSequence, CancellationToken cancellationToken = default)
    {
        lock (_readsAfter)
        {
            _readsAfter.Add(after);
        }

        if (BeforeRead is { } before)
        {
            await before(after);
        }

        return await inner.ReadAsync(topic, after, maxEvents, through, cancellationToken);
    }

    public Task<StoredSnapshot?> LoadSnapshotAsync(string persistenceId, SnapshotRange range, CancellationToken cancellationToken = default) =>
        FailSnapshotLoadsWith is { } failure ? Task.FromException<StoredSnapshot?>(failure) : inner.LoadSnapshotAsync(persistenceId, range, cancellationToken);

    public Task SaveSnapshotAsync(StoredSnapshot snapshot, CancellationToken cancellationToken = default) => inner.SaveSnapshotAsync(snapshot, cancellationToken);

    public Task DeleteSnapshotsAsync(string persistenceId, SnapshotRange range, CancellationToken cancellationToken = default) =>
        inner.DeleteSnapshotsAsync(persistenceId, range, cancellationToken);

    public Task<TopicInfo> CreateTopicAsync(TopicName topic, CancellationToken cancellationToken = default) => inner.CreateTopicAsync(topic, cancellationToken);

    public Task<TopicInfo?> GetTopicAsync(TopicName topic, CancellationToken cancellationToken = default) => inner.GetTopicAsync(topic, cancellationToken);

    public Task<IReadOnlyDictionary<string, ulong>> FindIdempotencyKeysAsync(TopicName topic, IReadOnlyCollection<string> keys, CancellationToken cancellationToken = default) =>
        inner.FindIdempotencyKeysAsync(topic, keys, cancellationToken);

    public Task<IReadOnlyList<TopicInfo>> ListTopicsAsync(TopicName? after, int maxTopics, CancellationToken cancellationToken = default) =>
        inner.ListTopicsAsync(after, maxTopics, cancellationToken);

    public Task<IReadOnlyList<TopicAge>> ListTopicAgesAsync(TopicName? after, int maxTopics, CancellationToken cancellationToken = default) =>
        inner.ListTopicAgesAsync(after, maxTopics, cancellationToken);

    public Task<TrimResult> TrimAsync(TopicName topic, Retention retention, CancellationToken cancellationToken = default) => inner.TrimAsync(topic, retention, cancellationToken);

    public Task<bool> DeleteTopicAsync(TopicName topic, CancellationToken cancellationToken = default) => inner.DeleteTopicAsync(topic, cancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask; // the test disposes the real journal
}
