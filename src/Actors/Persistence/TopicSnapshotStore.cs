using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Snapshot;
using EventActors.Actors.Journal;

namespace EventActors.Actors.Persistence;

/// <summary>
/// Snapshots in the journal's own database (<see cref="ISnapshotStorage"/>), serialized with
/// whichever Akka serializer is bound to the snapshot's type; the serializer's id and manifest
/// are stored with the bytes, so a snapshot reads back with the serializer that wrote it.
/// </summary>
public sealed class TopicSnapshotStore : SnapshotStore
{
    private readonly ISnapshotStorage _storage;
    private readonly Akka.Serialization.Serialization _serialization;

    public TopicSnapshotStore(Config config)
    {
        _ = config;
        _storage = TopicStorageSetup.Of(Context.System).Snapshots;
        _serialization = Context.System.Serialization;
    }

    protected override async Task<SelectedSnapshot> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken = default)
    {
        if (await _storage.LoadSnapshotAsync(persistenceId, RangeOf(criteria), cancellationToken).ConfigureAwait(false) is not { } stored)
        {
            return null!; // Akka reads null as "no snapshot": recovery replays every event
        }

        var payload = _serialization.Deserialize(stored.Data, stored.SerializerId, stored.Manifest);
        return new SelectedSnapshot(new SnapshotMetadata(persistenceId, stored.Sequence, stored.Timestamp), payload);
    }

    protected override Task SaveAsync(SnapshotMetadata metadata, object snapshot, CancellationToken cancellationToken = default)
    {
        var serializer = _serialization.FindSerializerFor(snapshot);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, snapshot);
        var stored = new StoredSnapshot(metadata.PersistenceId, metadata.SequenceNr, metadata.Timestamp, serializer.Identifier, manifest, serializer.ToBinary(snapshot));
        return _storage.SaveSnapshotAsync(stored, cancellationToken);
    }

    protected override Task DeleteAsync(SnapshotMetadata metadata, CancellationToken cancellationToken = default) =>
        _storage.DeleteSnapshotsAsync(metadata.PersistenceId, SnapshotRange.At(metadata.SequenceNr), cancellationToken);

    protected override Task DeleteAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken = default) =>
        _storage.DeleteSnapshotsAsync(persistenceId, RangeOf(criteria), cancellationToken);

    private static SnapshotRange RangeOf(SnapshotSelectionCriteria criteria) =>
        new(criteria.MinSequenceNr, criteria.MaxSequenceNr, criteria.MinTimestamp ?? DateTime.MinValue, criteria.MaxTimeStamp);
}
