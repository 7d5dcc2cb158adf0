using EventActors.Protocol;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace EventActors.Actors.Journal;

/// <summary>
/// The embedded journal: one SQLite database file in WAL mode. Writes go through one writer
/// actor that group-commits them on the only write connection; reads use pooled connections of
/// their own and see committed snapshots, so they neither wait for nor hold up the writer; a
/// background checkpointer copies the WAL into the database file off the commit path.
/// </summary>
/// <remarks>See <c>docs/journal.md</c> for the schema and the durability of each synchronous mode.</remarks>
public sealed partial class SqliteJournal : IEventJournal, ISnapshotStorage
{
    private readonly SqliteJournalOptions _options;
    private readonly string _readConnectionString;
    private readonly SqliteWriteSession _session;
    private readonly DedicatedThread _thread;
    private readonly GroupCommit<WriteCommand> _writes;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private int _pendingWrites;
    private bool _disposed;
    private Task? _disposal;

    private SqliteJournal(SqliteJournalOptions options)
    {
        _options = options;
        _logger = options.LoggerFactory.CreateLogger<SqliteJournal>();
        var path = System.IO.Path.GetFullPath(options.Path);
        if (System.IO.Path.GetDirectoryName(path) is { Length: > 0 } directory)
        {
            Directory.CreateDirectory(directory);
        }

        // Microsoft.Data.Sqlite retries a busy statement for up to the command timeout, on top
        // of SQLite's own busy_timeout: keep the two equal, in whole seconds (0 would mean forever).
        var timeoutSeconds = Math.Max(1, (int)Math.Ceiling(options.BusyTimeout.TotalSeconds));
        var write = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false, // one long-lived connection, closed for real on dispose
            DefaultTimeout = timeoutSeconds,
        };
        _readConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = true,
            DefaultTimeout = timeoutSeconds,
        }.ToString();

        _session = new SqliteWriteSession(write.ToString(), options);
        _thread = new DedicatedThread($"sqlite-journal-writer({System.IO.Path.GetFileName(path)})");
        // SQLite allows one write transaction at a time: every group runs on the one connection,
        // on a thread of its own (commits block on fsync; they never hold a pool thread).
        _writes = new GroupCommit<WriteCommand>(options.MaxEventsPerTransaction,
            group => _thread.Run(() => _session.ExecuteGroup(group, options.TimeProvider.GetUtcNow())), _logger);
        JournalLog.Opened(_logger, path, options.Synchronous, SqliteVersion());
    }

    /// <summary>
    /// Opens (creating when missing) the journal at <see cref="SqliteJournalOptions.Path"/>.
    /// Dispose it to commit the writes accepted so far and close the file.
    /// </summary>
    /// <exception cref="ArgumentException">An option is out of range; the message names it.</exception>
    /// <exception cref="SqliteException">The file cannot be opened or is not a journal database.</exception>
    public static SqliteJournal Open(SqliteJournalOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return new SqliteJournal(options);
    }

    public SqliteJournalOptions Options => _options;

    /// <summary>Group commits so far (for tests and metrics: appends per commit shows the grouping).</summary>
    internal long Commits => _session.Commits;

    public Task<AppendResult> AppendAsync(AppendRequest request, CancellationToken cancellationToken = default)
    {
        JournalArguments.ValidateAppend(request, _options.MaxEventsPerAppend, _options.MaxEventBytes, nameof(SqliteJournalOptions));

        return Submit(new WriteCommand<AppendResult>(request.Events.Count, (session, now) => session.Append(request, now)), cancellationToken);
    }

    public Task<TopicInfo> CreateTopicAsync(TopicName topic, CancellationToken cancellationToken = default)
    {
        JournalArguments.ValidateTopic(topic, nameof(topic));
        return Submit(new WriteCommand<TopicInfo>(1, (session, now) => session.CreateTopic(topic, now)), cancellationToken);
    }

    public Task<TrimResult> TrimAsync(TopicName topic, Retention retention, CancellationToken cancellationToken = default)
    {
        JournalArguments.ValidateTopic(topic, nameof(topic));
        JournalArguments.ValidateRetention(retention);

        return Submit(new WriteCommand<TrimResult>(1, (session, now) => session.Trim(topic, retention, now)), cancellationToken);
    }

    public Task<bool> DeleteTopicAsync(TopicName topic, CancellationToken cancellationToken = default)
    {
        JournalArguments.ValidateTopic(topic, nameof(topic));
        return Submit(new WriteCommand<bool>(1, (session, _) => session.DeleteTopic(topic)), cancellationToken);
    }

    public Task<TopicInfo?> GetTopicAsync(TopicName topic, CancellationToken cancellationToken = default)
    {
        JournalArguments.ValidateTopic(topic, nameof(topic));
        return Read(connection => ReadTopic(connection, topic)?.Info, cancellationToken);
    }

    public Task<EventPage> ReadAsync(TopicName topic, ulong after, int maxEvents, ulong through = IEventJournal.MaxSequence, CancellationToken cancellationToken = default)
    {
        JournalArguments.ValidateTopic(topic, nameof(topic));
        ArgumentOutOfRangeException.ThrowIfNegative(maxEvents);
        var limit = Math.Min(maxEvents, _options.MaxEventsPerRead);
        return Read(connection =>
        {
            // One read transaction: the topic's state and its events come from the same snapshot,
            // so FirstSequence and Head describe exactly the page returned.
            using var transaction = connection.BeginTransaction(deferred: true);
            if (ReadTopic(connection, topic, transaction) is not var (id, info))
            {
                return EventPage.Missing;
            }

            var upper = Math.Min(through, info.Head);
            if (limit == 0 || after >= upper)
            {
                return new EventPage(info, []);
            }

            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "SELECT seq, appended_at, type, data FROM events WHERE topic_id = $id AND seq > $after AND seq <= $through ORDER BY seq LIMIT $limit;";
            command.Parameters.AddWithValue("$id", id);
            command.Parameters.AddWithValue("$after", (long)after);
            command.Parameters.AddWithValue("$through", (long)upper);
            command.Parameters.AddWithValue("$limit", limit);
            var events = new List<StoredEvent>((int)Math.Min((ulong)limit, upper - after));
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                events.Add(new StoredEvent(
                    (ulong)reader.GetInt64(0),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)),
                    reader.IsDBNull(2) ? null : new SseEventType(reader.GetString(2)),
                    reader.GetFieldValue<byte[]>(3)));
            }

            return new EventPage(info, events);
        }, cancellationToken);
    }

    public Task<IReadOnlyDictionary<string, ulong>> FindIdempotencyKeysAsync(TopicName topic, IReadOnlyCollection<string> keys, CancellationToken cancellationToken = default)
    {
        JournalArguments.ValidateKeys(topic, keys);
        if (keys.Count == 0)
        {
            return Task.FromResult<IReadOnlyDictionary<string, ulong>>(new Dictionary<string, ulong>());
        }

        var cutoff = (_options.TimeProvider.GetUtcNow() - _options.IdempotencyWindow).ToUnixTimeMilliseconds();
        return Read<IReadOnlyDictionary<string, ulong>>(connection =>
        {
            var found = new Dictionary<string, ulong>(StringComparer.Ordinal);
            // A parameter per key, in chunks well under SQLite's limit on parameters.
            foreach (var chunk in keys.Chunk(500))
            {
                using var command = connection.CreateCommand();
                var names = string.Join(", ", chunk.Select((_, i) => $"$k{i}"));
                command.CommandText = "SELECT key, seq FROM idempotency_keys WHERE topic_id = (SELECT id FROM topics WHERE name = $name) " +
                    $"AND recorded_at > $cutoff AND key IN ({names});";
                command.Parameters.AddWithValue("$name", topic.Value);
                command.Parameters.AddWithValue("$cutoff", cutoff);
                for (var i = 0; i < chunk.Length; i++)
                {
                    command.Parameters.AddWithValue($"$k{i}", chunk[i]);
                }

                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    found[reader.GetString(0)] = (ulong)reader.GetInt64(1);
                }
            }

            return found;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<TopicInfo>> ListTopicsAsync(TopicName? after, int maxTopics, CancellationToken cancellationToken = default) =>
        // Names are ASCII, so SQLite's BINARY collation is the ordinal order of TopicName.
        ListPageAsync($"SELECT {SqliteRows.TopicColumns} FROM topics WHERE name > $after ORDER BY name LIMIT $limit;", after, maxTopics,
            static reader => SqliteRows.ReadTopic(reader).Info, cancellationToken);

    public Task<IReadOnlyList<TopicAge>> ListTopicAgesAsync(TopicName? after, int maxTopics, CancellationToken cancellationToken = default) =>
        // One seek of the events' primary key per topic: its first retained event.
        ListPageAsync(
            "SELECT t.name, (SELECT e.appended_at FROM events e WHERE e.topic_id = t.id AND e.seq >= t.first_seq ORDER BY e.seq LIMIT 1) " +
            "FROM topics t WHERE t.name > $after ORDER BY t.name LIMIT $limit;", after, maxTopics,
            static reader => new TopicAge(TopicName.Parse(reader.GetString(0)), reader.IsDBNull(1) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1))),
            cancellationToken);

    /// <summary>A page of topics in name order: <paramref name="sql"/> takes <c>$after</c> (the name to start after) and <c>$limit</c>.</summary>
    private Task<IReadOnlyList<T>> ListPageAsync<T>(string sql, TopicName? after, int maxTopics, Func<SqliteDataReader, T> read, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxTopics);
        var limit = Math.Min(maxTopics, _options.MaxEventsPerRead);
        return Read<IReadOnlyList<T>>(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.Parameters.AddWithValue("$after", after?.Value ?? "");
            command.Parameters.AddWithValue("$limit", limit);
            var topics = new List<T>();
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                topics.Add(read(reader));
            }

            return topics;
        }, cancellationToken);
    }

    /// <summary>Commits every write accepted so far, then closes the database.</summary>
    public ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposal is null)
            {
                _disposed = true;
                _disposal = Close();
            }
        }

        return new ValueTask(_disposal);
    }

    private async Task Close()
    {
        await _writes.DrainAsync().ConfigureAwait(false);

        // The connection belongs to the writer's thread: close it there, then end the thread.
        await _thread.Run(() =>
        {
            _session.Dispose();
            return true;
        }).ConfigureAwait(false);
        _thread.Dispose();
        using (var connection = new SqliteConnection(_readConnectionString))
        {
            // Pooled read connections keep the file open; a closed journal lets go of it.
            SqliteConnection.ClearPool(connection);
        }

        JournalLog.Closed(_logger, _options.Path);
    }

    internal async Task<T> Submit<T>(WriteCommand<T> write, CancellationToken cancellationToken)
    {
        // Cancellation is honoured until the write is handed over; after that it runs to completion,
        // because a write cancelled mid-flight could not say whether it was committed.
        cancellationToken.ThrowIfCancellationRequested();
        if (Interlocked.Increment(ref _pendingWrites) > _options.MaxPendingWrites)
        {
            Interlocked.Decrement(ref _pendingWrites);
            throw new JournalOverloadedException(_options.MaxPendingWrites);
        }

        try
        {
            _writes.Submit(write, this);
            return await write.Task.ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _pendingWrites);
        }
    }

    internal Task<T> Read<T>(Func<SqliteConnection, T> read, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        // Microsoft.Data.Sqlite has no truly asynchronous I/O; a pool thread keeps the caller
        // (often an actor) free while SQLite reads.
        return Task.Run(() =>
        {
            using var connection = new SqliteConnection(_readConnectionString);
            connection.Open();
            return read(connection);
        }, cancellationToken);
    }

    private static (long Id, TopicInfo Info)? ReadTopic(SqliteConnection connection, TopicName topic, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT {SqliteRows.TopicColumns} FROM topics WHERE name = $name;";
        command.Parameters.AddWithValue("$name", topic.Value);
        using var reader = command.ExecuteReader();
        return reader.Read() ? SqliteRows.ReadTopic(reader) : null;
    }

    private static string SqliteVersion()
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        return connection.ServerVersion;
    }

    public override string ToString() => $"SqliteJournal({_options.Path})";
}
