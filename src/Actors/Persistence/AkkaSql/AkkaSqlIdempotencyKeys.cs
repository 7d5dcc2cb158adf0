using Akka.Actor;
using Akka.Persistence.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using EventActors.Actors.Journal;
using EventActors.Protocol;
using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;
using Microsoft.Extensions.Logging;

namespace EventActors.Actors.Persistence.AkkaSql;

/// <summary>
/// Idempotency keys for topics journaled by Akka.Persistence.Sql, kept beside its tables in a
/// table of our own (<c>eventactors_idempotency_keys</c>) through the same linq2db provider.
/// </summary>
/// <remarks>
/// <para>Akka.Persistence.Sql writes the events in a transaction we cannot join, so a key is
/// recorded before its event is persisted, and a persist that then fails leaves a record whose
/// sequence number holds no event, or, once the topic has restarted and numbered a later event
/// the same, an event with another key. A record is therefore only a candidate: a lookup reads the
/// event at its sequence number through the read journal and trusts the record only when that
/// event carries the key.</para>
/// <para>Unlike our journals, a key does not outlive its event: once the event has been deleted
/// (retention), the key is no longer found. Keys are compared by the database's collation, and
/// then again ordinally; on a case-insensitive collation (SQL Server's and MySQL's defaults) two
/// keys that differ only in case share a record, the later replacing the earlier.</para>
/// <para>Expired keys are deleted every <see cref="AkkaSqlIdempotencyKeysOptions.PurgeInterval"/>
/// until disposal, so the table holds about one window's worth.</para>
/// </remarks>
public sealed class AkkaSqlIdempotencyKeys : IIdempotencyKeys, IAsyncDisposable
{
    /// <summary>
    /// Most keys in one lookup statement. linq2db writes them into an IN list; this keeps the
    /// statement well inside every provider's limits on parameters and statement length.
    /// </summary>
    private const int KeysPerQuery = 500;

    /// <summary>
    /// Widest gap, in sequence numbers, between two records still verified by one read: reading
    /// up to this many events nobody asked for costs less than another round trip. A retried
    /// batch has consecutive numbers and so takes one read.
    /// </summary>
    private const long MaxGapPerRead = 64;

    private static readonly IReadOnlyDictionary<string, ulong> s_none = new Dictionary<string, ulong>();

    private readonly AkkaSqlIdempotencyKeysOptions _options;
    private readonly DataOptions _database;
    private readonly ICurrentEventsByPersistenceIdQuery _events;
    private readonly ActorMaterializer _materializer;
    private readonly ILogger _logger;
    private readonly long _windowMs;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _purging;
    private int _disposed;

    private AkkaSqlIdempotencyKeys(AkkaSqlIdempotencyKeysOptions options, DataOptions database, ICurrentEventsByPersistenceIdQuery events, ActorMaterializer materializer, ILogger logger)
    {
        _options = options;
        _database = database;
        _events = events;
        _materializer = materializer;
        _logger = logger;
        _windowMs = (long)options.IdempotencyWindow.TotalMilliseconds;
        _purging = Task.Run(() => PurgePeriodicallyAsync(_stopping.Token));
    }

    /// <summary>
    /// Creates the keys' table (and its index) when missing, finds the read journal, and starts
    /// purging. Call once the actor system's persistence is configured.
    /// </summary>
    /// <exception cref="ArgumentException">A setting is invalid (the exception names it), the provider is unknown to linq2db, or the read journal is missing or cannot read a persistence id's events.</exception>
    public static async Task<AkkaSqlIdempotencyKeys> OpenAsync(ActorSystem system, AkkaSqlIdempotencyKeysOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (DataConnection.GetDataProvider(options.ProviderName, options.ConnectionString) is null)
        {
            throw new ArgumentException(
                $"AkkaSqlIdempotencyKeysOptions.ProviderName '{options.ProviderName}' is not a linq2db provider (see LinqToDB.ProviderName: SQLite.MS, PostgreSQL.15, SqlServer.2019, MySql...).",
                nameof(options.ProviderName));
        }

        var database = new DataOptions()
            .UseConnectionString(options.ProviderName, options.ConnectionString)
            .UseMappingSchema(IdempotencyKeyTable.Mapping(options.Schema));
        var logger = options.LoggerFactory.CreateLogger<AkkaSqlIdempotencyKeys>();
        await using (var connection = new DataConnection(database))
        {
            if (await IdempotencyKeyTable.CreateAsync(connection, options.Schema, cancellationToken).ConfigureAwait(false) is { } indexFailure)
            {
                AkkaSqlLog.IndexNotCreated(logger, indexFailure, IdempotencyKeyTable.AgeIndex);
            }
        }

        // Akka.Persistence.Sql's read journal blocks in its constructor until the write journal
        // has started (up to 5 s), so it is made off the caller's thread.
        var events = await Task.Run(() => ReadJournal(system, options.ReadJournalPluginId), cancellationToken).ConfigureAwait(false);
        var materializer = ActorMaterializer.Create(system, namePrefix: "eventactors-idempotency-keys");
        AkkaSqlLog.Opened(logger, options.Schema is null ? IdempotencyKeyTable.Name : $"{options.Schema}.{IdempotencyKeyTable.Name}", options.ProviderName, options.IdempotencyWindow, options.ReadJournalPluginId);
        return new AkkaSqlIdempotencyKeys(options, database, events, materializer, logger);
    }

    /// <inheritdoc/>
    /// <remarks>One query for the records, then one read-journal query per run of nearby sequence numbers to verify them.</remarks>
    public async Task<IReadOnlyDictionary<string, ulong>> FindAsync(TopicName topic, IReadOnlyCollection<string> keys, ulong after, CancellationToken cancellationToken = default)
    {
        JournalArguments.ValidateTopic(topic, nameof(topic));
        ArgumentNullException.ThrowIfNull(keys);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            wanted.Add(key ?? throw new ArgumentException("A key to look up is null.", nameof(keys)));
        }

        if (wanted.Count == 0)
        {
            return s_none;
        }

        var candidates = await CandidatesAsync(topic.Value, wanted, after, cancellationToken).ConfigureAwait(false);
        if (candidates.Count == 0)
        {
            return s_none;
        }

        // Confirmed records are trusted (their events may be trimmed by now); the others are
        // checked against the event at their sequence number.
        var unconfirmed = candidates.Where(c => !c.Confirmed).ToList();
        var found = unconfirmed.Count == 0
            ? new Dictionary<string, ulong>(StringComparer.Ordinal)
            : new Dictionary<string, ulong>(await VerifyAsync(topic.Value, unconfirmed, cancellationToken).ConfigureAwait(false), StringComparer.Ordinal);
        foreach (var confirmed in candidates.Where(c => c.Confirmed))
        {
            found[confirmed.IdempotencyKey] = (ulong)confirmed.SequenceNr;
        }

        return found;
    }

    /// <inheritdoc/>
    /// <remarks>One statement per key, in one transaction; a record replaced since (another sequence number) is left alone.</remarks>
    public async Task ConfirmAsync(TopicName topic, IReadOnlyList<KeyValuePair<string, ulong>> keys, CancellationToken cancellationToken = default)
    {
        JournalArguments.ValidateTopic(topic, nameof(topic));
        ArgumentNullException.ThrowIfNull(keys);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (keys.Count == 0)
        {
            return;
        }

        var persistenceId = topic.Value;
        await using var connection = new DataConnection(_database);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        foreach (var (key, sequence) in keys)
        {
            var sequenceNr = (long)sequence;
            await connection.GetTable<IdempotencyKeyRow>()
                .Where(r => r.PersistenceId == persistenceId && r.IdempotencyKey == key && r.SequenceNr == sequenceNr)
                .Set(r => r.Confirmed, true)
                .UpdateAsync(cancellationToken)
                .ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    /// <remarks>All the keys are written in one transaction.</remarks>
    public async Task RecordAsync(TopicName topic, IReadOnlyList<KeyValuePair<string, ulong>> keys, CancellationToken cancellationToken = default)
    {
        JournalArguments.ValidateTopic(topic, nameof(topic));
        ArgumentNullException.ThrowIfNull(keys);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        foreach (var (key, sequence) in keys)
        {
            if (key is null || key.Length == 0 || key.Length > NewEvent.MaxIdempotencyKeyLength)
            {
                throw new ArgumentException($"An idempotency key has 1 to {NewEvent.MaxIdempotencyKeyLength} characters; this one has {key?.Length.ToString() ?? "none (null)"}.", nameof(keys));
            }

            if (sequence == 0 || sequence > long.MaxValue)
            {
                throw new ArgumentOutOfRangeException(nameof(keys), $"Sequence numbers run from 1 to {long.MaxValue}; key '{key}' has {sequence}.");
            }
        }

        if (keys.Count == 0)
        {
            return;
        }

        var now = _options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        await using var connection = new DataConnection(_database);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        foreach (var (key, sequence) in keys)
        {
            var row = new IdempotencyKeyRow { PersistenceId = topic.Value, IdempotencyKey = key, SequenceNr = (long)sequence, RecordedAt = now };
            await connection.InsertOrReplaceAsync(row, token: cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Deletes the keys recorded a window ago or earlier, about
    /// <see cref="AkkaSqlIdempotencyKeysOptions.PurgeBatchSize"/> per statement; what the periodic
    /// purge runs. Returns how many it deleted.
    /// </summary>
    internal async Task<int> PurgeAsync(CancellationToken cancellationToken = default)
    {
        var cutoff = _options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds() - _windowMs;
        var deleted = 0;
        await using var connection = new DataConnection(_database);
        var table = connection.GetTable<IdempotencyKeyRow>();
        while (true)
        {
            // linq2db cannot put a LIMIT on a DELETE everywhere (SQLite and PostgreSQL refuse
            // its syntax), so each statement deletes up to the time of the n-th oldest expired
            // key instead: about n keys, more only when several share that millisecond.
            var bound = await table
                .Where(r => r.RecordedAt <= cutoff)
                .OrderBy(r => r.RecordedAt)
                .Select(r => (long?)r.RecordedAt)
                .Skip(_options.PurgeBatchSize - 1)
                .FirstOrDefaultAsync(cancellationToken)
                .ConfigureAwait(false);
            var upTo = bound ?? cutoff;
            deleted += await table.Where(r => r.RecordedAt <= upTo).DeleteAsync(cancellationToken).ConfigureAwait(false);
            if (bound is null)
            {
                break;
            }
        }

        if (deleted > 0)
        {
            AkkaSqlLog.Purged(_logger, deleted, DateTimeOffset.FromUnixTimeMilliseconds(cutoff));
        }

        return deleted;
    }

    /// <summary>Stops purging (waiting for a purge under way) and the materializer of the verifying reads.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await _purging.ConfigureAwait(false);
        _stopping.Dispose();
        _materializer.Shutdown();
    }

    private static ICurrentEventsByPersistenceIdQuery ReadJournal(ActorSystem system, string pluginId)
    {
        IReadJournal journal;
        try
        {
            journal = PersistenceQuery.Get(system).ReadJournalFor<IReadJournal>(pluginId);
        }
        catch (ArgumentException missing)
        {
            throw new ArgumentException(
                $"AkkaSqlIdempotencyKeysOptions.ReadJournalPluginId '{pluginId}' is not a read journal of this actor system: {missing.Message}",
                nameof(AkkaSqlIdempotencyKeysOptions.ReadJournalPluginId), missing);
        }

        return journal as ICurrentEventsByPersistenceIdQuery ?? throw new ArgumentException(
            $"AkkaSqlIdempotencyKeysOptions.ReadJournalPluginId '{pluginId}' names a {journal.GetType().Name}, which cannot read a persistence id's current events.",
            nameof(AkkaSqlIdempotencyKeysOptions.ReadJournalPluginId));
    }

    /// <summary>The records of these keys made within the window for sequence numbers after <paramref name="after"/>: unverified.</summary>
    private async Task<List<IdempotencyKeyRow>> CandidatesAsync(string persistenceId, HashSet<string> wanted, ulong after, CancellationToken cancellationToken)
    {
        // Within the window means less than a window old, as in our journals.
        var cutoff = _options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds() - _windowMs;
        var afterSequence = after >= long.MaxValue ? long.MaxValue : (long)after;
        var candidates = new List<IdempotencyKeyRow>();
        await using var connection = new DataConnection(_database);
        foreach (var chunk in wanted.Chunk(KeysPerQuery))
        {
            var rows = await connection.GetTable<IdempotencyKeyRow>()
                .Where(r => r.PersistenceId == persistenceId && chunk.Contains(r.IdempotencyKey) && r.RecordedAt > cutoff && r.SequenceNr > afterSequence)
                .ToListAsync(cancellationToken)
                .ConfigureAwait(false);

            // The database may compare case-insensitively; the keys are case-sensitive.
            candidates.AddRange(rows.Where(r => wanted.Contains(r.IdempotencyKey)));
        }

        return candidates;
    }

    /// <summary>The candidates whose event, read back through the read journal, carries their key.</summary>
    private async Task<IReadOnlyDictionary<string, ulong>> VerifyAsync(string persistenceId, List<IdempotencyKeyRow> candidates, CancellationToken cancellationToken)
    {
        // Several keys can claim one sequence number: a failed persist's and its successor's.
        var claims = candidates.ToLookup(c => c.SequenceNr, c => c.IdempotencyKey);
        var found = new Dictionary<string, ulong>(StringComparer.Ordinal);
        foreach (var (from, to) in Runs([.. claims.Select(g => g.Key).Order()]))
        {
            var envelopes = await _events.CurrentEventsByPersistenceId(persistenceId, from, to)
                .RunWith(Sink.Seq<EventEnvelope>(), _materializer)
                .WaitAsync(cancellationToken)
                .ConfigureAwait(false);
            foreach (var envelope in envelopes)
            {
                if (envelope.Event is NewEvent { IdempotencyKey: { } key } && claims[envelope.SequenceNr].Contains(key, StringComparer.Ordinal))
                {
                    found[key] = (ulong)envelope.SequenceNr;
                }
            }
        }

        return found;
    }

    /// <summary>Sorted sequence numbers as inclusive ranges, neighbours at most <see cref="MaxGapPerRead"/> apart sharing one.</summary>
    private static IEnumerable<(long From, long To)> Runs(long[] sequences)
    {
        var from = sequences[0];
        var to = from;
        for (var i = 1; i < sequences.Length; i++)
        {
            var sequence = sequences[i];
            if (sequence - to > MaxGapPerRead)
            {
                yield return (from, to);
                from = sequence;
            }

            to = sequence;
        }

        yield return (from, to);
    }

    private async Task PurgePeriodicallyAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(_options.PurgeInterval, _options.TimeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                try
                {
                    await PurgeAsync(stopping).ConfigureAwait(false);
                }
                catch (Exception failure) when (!stopping.IsCancellationRequested)
                {
                    AkkaSqlLog.PurgeFailed(_logger, failure);
                }
            }
        }
        catch (Exception) when (stopping.IsCancellationRequested)
        {
            // Disposed: the purge under way, if any, was cancelled with it, and whatever it
            // threw on the way out says nothing about the table.
        }
    }
}
