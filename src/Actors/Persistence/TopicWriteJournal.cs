using System.Collections.Immutable;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Journal;
using EventActors.Actors.Journal;
using EventActors.Protocol;

namespace EventActors.Actors.Persistence;

/// <summary>
/// Our journal (SQLite or PostgreSQL, from <see cref="TopicStorageSetup"/>) as an
/// Akka.Persistence write journal. A persistence id is a topic's name and a payload a
/// <see cref="NewEvent"/>, stored in today's columns (data, type, time, key), not as a serialized
/// blob. Writes of many topics that arrive together share one group commit: Akka calls
/// <see cref="WriteMessagesAsync"/> for each actor's batch without waiting for the previous one,
/// and the journal groups whatever is waiting.
/// </summary>
/// <remarks>
/// <para>Akka numbers the events; the journal checks that the first of a batch follows the stored
/// head and writes nothing otherwise. That check and the unique (topic, sequence) key are what
/// turn a second writer of a topic away: its batch fails, and Akka stops that actor.</para>
/// <para>What cannot be stored (a persistence id that is not a topic name, another payload
/// type, an event over the journal's limits) is rejected: nothing is written and the actor is
/// told through <c>OnPersistRejected</c>. Idempotency keys are the writer's to check before it
/// persists (<see cref="IIdempotencyKeys"/>); the journal records them with their events.</para>
/// </remarks>
public sealed class TopicWriteJournal : AsyncWriteJournal
{
    private readonly IEventJournal _journal;
    private readonly int _maxEventsPerAppend;

    public TopicWriteJournal(Config config)
    {
        _ = config; // everything comes from the setup: the journal is opened once, by its owner
        var setup = TopicStorageSetup.Of(Context.System);
        _journal = setup.Journal;
        _maxEventsPerAppend = setup.MaxEventsPerAppend;
    }

    protected override async Task<IImmutableList<Exception?>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken = default)
    {
        var writes = messages.ToList();
        var results = new Exception?[writes.Count];
        // An actor's batch has one persistence id; several only when something other than a
        // persistent actor writes. Each id's writes go to the journal in order, pipelined.
        var tasks = new List<Task>();
        foreach (var group in Enumerable.Range(0, writes.Count).GroupBy(i => writes[i].PersistenceId))
        {
            tasks.Add(WriteTopicAsync(group.Key, group.Select(i => (i, writes[i])).ToList(), results));
        }

        await Task.WhenAll(tasks).ConfigureAwait(false);
        if (results.All(r => r is null))
        {
            return null!; // Akka reads null as "every write succeeded"
        }

        // A cause of the store's, not the payload's (a conflict, an unreachable database, a
        // commit whose outcome is unknown) fails the whole call, which stops the actor: its view
        // of the topic's head can no longer be trusted. Akka reads an exception returned in the
        // list as a rejection (nothing written, the actor goes on), so only payload problems are.
        if (results.FirstOrDefault(r => r is not null and not RejectedWrite) is { } failure)
        {
            throw failure;
        }

        return results.Select(r => r is RejectedWrite rejected ? rejected.InnerException : r).ToImmutableList();
    }

    private async Task WriteTopicAsync(string persistenceId, List<(int Index, AtomicWrite Write)> writes, Exception?[] results)
    {
        if (!TopicName.TryParse(persistenceId, out var topic, out var error))
        {
            Reject(writes, results, new ArgumentException($"Persistence id '{persistenceId}' is not a topic name: {error}"));
            return;
        }

        // Atomic writes become appends of up to the journal's limit, split only between them.
        var appends = new List<(List<int> Indexes, List<NewEvent> Events, long First)>();
        foreach (var (index, write) in writes)
        {
            var payload = (IImmutableList<IPersistentRepresentation>)write.Payload;
            if (payload.FirstOrDefault(p => p.Payload is not NewEvent) is { } foreign)
            {
                Reject(writes, results, new ArgumentException($"This journal stores {nameof(NewEvent)} payloads only, not {foreign.Payload.GetType()}."));
                return;
            }

            if (appends.Count == 0 || appends[^1].Events.Count + payload.Count > _maxEventsPerAppend)
            {
                appends.Add(([], [], write.LowestSequenceNr));
            }

            var current = appends[^1];
            if (current.First + current.Events.Count != write.LowestSequenceNr)
            {
                // A gap: an earlier write of this actor was rejected after Akka numbered it. The
                // journal's head is behind; the append's head check fails it as a conflict.
                appends.Add(([], [], write.LowestSequenceNr));
                current = appends[^1];
            }

            current.Indexes.Add(index);
            current.Events.AddRange(payload.Select(p => (NewEvent)p.Payload));
        }

        var pending = appends.Select(append => (append.Indexes, Task: AppendAsync(topic, append.First, append.Events))).ToList();
        foreach (var (indexes, task) in pending)
        {
            try
            {
                await task.ConfigureAwait(false);
            }
            catch (Exception failure)
            {
                var outcome = failure is ArgumentException ? new RejectedWrite(failure) : failure;
                foreach (var index in indexes)
                {
                    results[index] = outcome;
                }
            }
        }
    }

    private Task<AppendResult> AppendAsync(TopicName topic, long firstSequence, List<NewEvent> events)
    {
        try
        {
            return _journal.AppendAsync(new AppendRequest(topic, (ulong)(firstSequence - 1), events) { KeysChecked = true });
        }
        catch (ArgumentException invalid)
        {
            return Task.FromException<AppendResult>(invalid); // over the journal's limits: checked at the call
        }
    }

    private static void Reject(List<(int Index, AtomicWrite Write)> writes, Exception?[] results, Exception cause)
    {
        foreach (var (index, _) in writes)
        {
            results[index] = new RejectedWrite(cause);
        }
    }

    public override async Task ReplayMessagesAsync(IActorContext context, string persistenceId, long fromSequenceNr, long toSequenceNr, long max,
        Action<IPersistentRepresentation> recoveryCallback)
    {
        if (!TopicName.TryParse(persistenceId, out var topic, out _) || max <= 0 || toSequenceNr < fromSequenceNr)
        {
            return;
        }

        var after = (ulong)Math.Max(0, fromSequenceNr - 1);
        var remaining = max;
        while (remaining > 0)
        {
            var page = await _journal.ReadAsync(topic, after, (int)Math.Min(remaining, 10_000), (ulong)toSequenceNr).ConfigureAwait(false);
            if (page.Events.Count == 0)
            {
                return;
            }

            foreach (var stored in page.Events)
            {
                recoveryCallback(ToPersistent(persistenceId, stored));
            }

            after = page.Events[^1].Sequence;
            remaining -= page.Events.Count;
        }
    }

    /// <summary>A stored event as Akka replays it; the idempotency key is not carried (it lives in the key table, not with the event).</summary>
    internal static Persistent ToPersistent(string persistenceId, StoredEvent stored) =>
        new(new NewEvent(stored.Data, stored.Type), (long)stored.Sequence, persistenceId, manifest: null, isDeleted: false,
            sender: ActorRefs.NoSender, writerGuid: null, timestamp: stored.Timestamp.UtcTicks);

    public override async Task<long> ReadHighestSequenceNrAsync(string persistenceId, long fromSequenceNr, CancellationToken cancellationToken = default) =>
        TopicName.TryParse(persistenceId, out var topic, out _) && await _journal.GetTopicAsync(topic, cancellationToken).ConfigureAwait(false) is { } info
            ? (long)info.Head
            : 0;

    protected override async Task DeleteMessagesToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken = default)
    {
        if (TopicName.TryParse(persistenceId, out var topic, out _) && toSequenceNr > 0)
        {
            // The head stays where it is: Akka numbers on from it, as it requires.
            await _journal.TrimAsync(topic, new Retention { Through = (ulong)toSequenceNr }, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Marks a write that is rejected (the actor goes on) rather than failed (the actor stops).</summary>
    private sealed class RejectedWrite(Exception cause) : Exception(cause.Message, cause);
}
