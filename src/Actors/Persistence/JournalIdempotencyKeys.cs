using EventActors.Actors.Journal;
using EventActors.Protocol;

namespace EventActors.Actors.Persistence;

/// <summary>
/// Idempotency keys in our own journals: the append records each key in the same transaction as
/// its event (<see cref="AppendRequest.KeysChecked"/>), so there is nothing to record ahead, and a
/// lookup is one indexed read of the journal's key table.
/// </summary>
public sealed class JournalIdempotencyKeys(IEventJournal journal) : IIdempotencyKeys
{
    public async Task<IReadOnlyDictionary<string, ulong>> FindAsync(TopicName topic, IReadOnlyCollection<string> keys, ulong after, CancellationToken cancellationToken = default)
    {
        var recorded = await journal.FindIdempotencyKeysAsync(topic, keys, cancellationToken).ConfigureAwait(false);
        return recorded.Values.All(sequence => sequence > after)
            ? recorded
            : recorded.Where(pair => pair.Value > after).ToDictionary(StringComparer.Ordinal);
    }

    public Task RecordAsync(TopicName topic, IReadOnlyList<KeyValuePair<string, ulong>> keys, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task ConfirmAsync(TopicName topic, IReadOnlyList<KeyValuePair<string, ulong>> keys, CancellationToken cancellationToken = default) => Task.CompletedTask;
}
