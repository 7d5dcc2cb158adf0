using System.Globalization;
using EventActors.Protocol;
using Microsoft.Data.Sqlite;

namespace EventActors.Actors.Journal;

/// <summary>
/// The journal's one write connection, its prepared statements and its background
/// checkpointer. Synchronous, and used by one thread at a time: the group commit hands it a
/// group of writes on its dedicated thread and gets back one outcome per write.
/// </summary>
internal sealed class SqliteWriteSession : IDisposable
{
    // SQLite's extended result codes for a violated PRIMARY KEY and UNIQUE constraint.
    private const int ConstraintPrimaryKey = 1555;
    private const int ConstraintUnique = 2067;

    /// <summary>
    /// Most expired idempotency keys one commit deletes, in keys. Pruning rides along with a
    /// group commit, so this bounds the extra work any one commit does; a backlog is worked off
    /// over the following commits.
    /// </summary>
    private const int KeysPrunedPerCommit = 10_000;

    /// <summary>How often (journal clock) a commit looks for expired keys. Expired keys are ignored anyway; pruning only reclaims space.</summary>
    private static readonly TimeSpan KeyPruneInterval = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The write connection's page cache, in KiB (SQLite's default is 2,000). A commit that
    /// appends to many topics touches the last page of each; the default holds ~500 pages, so
    /// beyond a few hundred active topics appends reread their page from the OS. 64 MiB holds
    /// the hot page of ~16,000 topics; memory is taken only as pages are used. (At 1,000 topics
    /// the benchmark showed no difference: the OS cache served the rereads cheaply.)
    /// </summary>
    private const int WriterCacheKiB = 64 * 1024;

    /// <summary>
    /// WAL pages (4 KiB each) after which a commit runs a checkpoint itself: 10,000, about
    /// 40 MiB (SQLite's default is 1,000). <see cref="SqliteCheckpointer"/> has by then copied
    /// almost every page in the background, so this one copies only the last few; what it adds is
    /// that it completes, which lets the next transaction start the WAL over from its beginning.
    /// Without it the background checkpoints never catch up with a busy writer and the WAL only
    /// grows. Measured: 4,000 pages cost a quarter of the append rate across 1,000 topics.
    /// </summary>
    private const int CheckpointPages = 10_000;

    /// <summary>
    /// Bytes the WAL file is truncated to after a checkpoint resets it: 64 MiB. Bounds the disk
    /// a burst (or a long read that held the checkpoint back) leaves behind.
    /// </summary>
    private const long WalSizeLimitBytes = 64L * 1024 * 1024;

    private readonly SqliteConnection _connection;
    private readonly SqliteCheckpointer _checkpointer;
    private readonly long _idempotencyWindowMs;
    private readonly SqliteCommand _begin, _commit, _rollback, _savepoint, _release, _rollbackToSavepoint;
    private readonly SqliteCommand _selectTopic, _insertTopic, _updateHead, _insertEvent, _selectKey, _upsertKey;
    private readonly SqliteCommand _firstYoungEvent, _deleteEventsBefore, _updateFirst;
    private readonly SqliteCommand _deleteTopicEvents, _deleteTopicKeys, _deleteTopic, _pruneKeys;
    private DateTimeOffset _nextPrune = DateTimeOffset.MinValue;
    private long _commits;

    public SqliteWriteSession(string connectionString, SqliteJournalOptions options)
    {
        _idempotencyWindowMs = (long)options.IdempotencyWindow.TotalMilliseconds;
        _connection = new SqliteConnection(connectionString);
        try
        {
            _connection.Open();
            Exec($"PRAGMA busy_timeout = {(long)options.BusyTimeout.TotalMilliseconds};");
            SqliteSchema.Apply(_connection);
            // Per connection, and only the writer's matters: it is the connection that commits.
            Exec(options.Synchronous == SqliteSynchronousMode.Full ? "PRAGMA synchronous = FULL;" : "PRAGMA synchronous = NORMAL;");
            Exec($"PRAGMA cache_size = -{WriterCacheKiB};");
            Exec($"PRAGMA wal_autocheckpoint = {CheckpointPages};");
            Exec($"PRAGMA journal_size_limit = {WalSizeLimitBytes};");

            // IMMEDIATE takes the write lock at BEGIN, so another process's writer makes us wait
            // (busy_timeout) before we have read anything, never fail halfway through a group.
            _begin = Prepare("BEGIN IMMEDIATE;");
            _commit = Prepare("COMMIT;");
            _rollback = Prepare("ROLLBACK;");
            _savepoint = Prepare("SAVEPOINT write;");
            _release = Prepare("RELEASE write;");
            _rollbackToSavepoint = Prepare("ROLLBACK TO write;");

            _selectTopic = Prepare($"SELECT {SqliteRows.TopicColumns} FROM topics WHERE name = $name;", ("$name", SqliteType.Text));
            _insertTopic = Prepare(
                "INSERT INTO topics (name, epoch, head, first_seq, created_at) VALUES ($name, $epoch, 0, 1, $now) RETURNING id;",
                ("$name", SqliteType.Text), ("$epoch", SqliteType.Text), ("$now", SqliteType.Integer));
            // The condition on the old head is redundant inside SQLite's single-writer transaction,
            // and deliberate: it is the compare-and-set that fences a second writer on any store.
            _updateHead = Prepare("UPDATE topics SET head = $head WHERE id = $id AND head = $expected;",
                ("$head", SqliteType.Integer), ("$id", SqliteType.Integer), ("$expected", SqliteType.Integer));
            _insertEvent = Prepare("INSERT INTO events (topic_id, seq, appended_at, type, data) VALUES ($id, $seq, $now, $type, $data);",
                ("$id", SqliteType.Integer), ("$seq", SqliteType.Integer), ("$now", SqliteType.Integer), ("$type", SqliteType.Text), ("$data", SqliteType.Blob));
            _selectKey = Prepare("SELECT seq, recorded_at FROM idempotency_keys WHERE topic_id = $id AND key = $key;",
                ("$id", SqliteType.Integer), ("$key", SqliteType.Text));
            _upsertKey = Prepare(
                "INSERT INTO idempotency_keys (topic_id, key, seq, recorded_at) VALUES ($id, $key, $seq, $now) " +
                "ON CONFLICT (topic_id, key) DO UPDATE SET seq = excluded.seq, recorded_at = excluded.recorded_at;",
                ("$id", SqliteType.Integer), ("$key", SqliteType.Text), ("$seq", SqliteType.Integer), ("$now", SqliteType.Integer));

            // Walks the topic from its first retained event to the first one young enough to
            // keep: the work is proportional to what is about to be removed.
            _firstYoungEvent = Prepare("SELECT seq FROM events WHERE topic_id = $id AND seq >= $from AND appended_at >= $cutoff ORDER BY seq LIMIT 1;",
                ("$id", SqliteType.Integer), ("$from", SqliteType.Integer), ("$cutoff", SqliteType.Integer));
            _deleteEventsBefore = Prepare("DELETE FROM events WHERE topic_id = $id AND seq < $first;", ("$id", SqliteType.Integer), ("$first", SqliteType.Integer));
            _updateFirst = Prepare("UPDATE topics SET first_seq = $first WHERE id = $id;", ("$first", SqliteType.Integer), ("$id", SqliteType.Integer));

            _deleteTopicEvents = Prepare("DELETE FROM events WHERE topic_id = $id;", ("$id", SqliteType.Integer));
            _deleteTopicKeys = Prepare("DELETE FROM idempotency_keys WHERE topic_id = $id;", ("$id", SqliteType.Integer));
            _deleteTopic = Prepare("DELETE FROM topics WHERE id = $id;", ("$id", SqliteType.Integer));
            _pruneKeys = Prepare(
                "DELETE FROM idempotency_keys WHERE (topic_id, key) IN " +
                $"(SELECT topic_id, key FROM idempotency_keys WHERE recorded_at <= $cutoff LIMIT {KeysPrunedPerCommit});",
                ("$cutoff", SqliteType.Integer));
            _checkpointer = new SqliteCheckpointer(connectionString); // last: nothing after it can fail and leak it
        }
        catch
        {
            _connection.Dispose();
            throw;
        }
    }

    /// <summary>Group commits this session has completed; tests use it to see that grouping happens.</summary>
    public long Commits => Volatile.Read(ref _commits);

    /// <summary>
    /// Runs every write in one transaction, each inside its own savepoint so that one write's
    /// failure (a conflict) rolls back that write alone, and commits. Returns one outcome per
    /// write: its result, or the exception it failed with.
    /// </summary>
    /// <exception cref="SqliteException">The transaction as a whole failed (BEGIN or COMMIT, disk full, I/O error): nothing of the group is committed.</exception>
    public object[] ExecuteGroup(IReadOnlyList<WriteCommand> writes, DateTimeOffset now)
    {
        // One timestamp per commit, at the precision stored, so what an append reports is exactly what a read returns.
        now = DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds());
        var outcomes = new object[writes.Count];
        _begin.ExecuteNonQuery();
        try
        {
            for (var i = 0; i < writes.Count; i++)
            {
                _savepoint.ExecuteNonQuery();
                try
                {
                    outcomes[i] = writes[i].Execute(this, now);
                    _release.ExecuteNonQuery();
                }
                catch (Exception failure) when (failure is JournalException or SqliteException or ArgumentException or InvalidOperationException)
                {
                    // If SQLite already rolled the whole transaction back (an I/O error, a full
                    // disk), ROLLBACK TO throws and the group fails as a whole, below.
                    _rollbackToSavepoint.ExecuteNonQuery();
                    _release.ExecuteNonQuery();
                    outcomes[i] = failure;
                }
            }

            PruneExpiredKeys(now);
            _commit.ExecuteNonQuery();
            Interlocked.Increment(ref _commits);
            _checkpointer.Nudge();
            return outcomes;
        }
        catch
        {
            TryRollback();
            throw;
        }
    }

    public AppendResult Append(AppendRequest request, DateTimeOffset now)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        var existing = SelectTopic(request.Topic);
        var actualHead = existing?.Info.Head ?? 0;
        if ((request.ExpectedEpoch is { } epoch && existing?.Info.Epoch != epoch)
            || (request.ExpectedHead is { } expected && expected != actualHead))
        {
            throw new AppendConflictException(request.Topic, request.ExpectedHead, request.ExpectedEpoch, existing?.Info);
        }

        var (id, info) = existing ?? InsertTopic(request.Topic, now);
        var head = actualHead;
        var events = request.Events;
        var acknowledged = new AppendedEvent[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            var item = events[i];
            if (!request.KeysChecked && item.IdempotencyKey is { } key && FindRecentKey(id, key, nowMs) is { } original)
            {
                acknowledged[i] = new AppendedEvent(original, Duplicate: true);
                continue;
            }

            if (head >= IEventJournal.MaxSequence)
            {
                throw new InvalidOperationException($"Topic '{request.Topic}' has reached the highest sequence number, {IEventJournal.MaxSequence}.");
            }

            head++;
            InsertEvent(request, id, head, nowMs, item);
            if (item.IdempotencyKey is { } newKey)
            {
                _upsertKey.Parameters[0].Value = id;
                _upsertKey.Parameters[1].Value = newKey;
                _upsertKey.Parameters[2].Value = (long)head;
                _upsertKey.Parameters[3].Value = nowMs;
                _upsertKey.ExecuteNonQuery();
            }

            acknowledged[i] = new AppendedEvent(head, Duplicate: false);
        }

        if (head != actualHead)
        {
            _updateHead.Parameters[0].Value = (long)head;
            _updateHead.Parameters[1].Value = id;
            _updateHead.Parameters[2].Value = (long)actualHead;
            if (_updateHead.ExecuteNonQuery() != 1)
            {
                throw new AppendConflictException(request.Topic, request.ExpectedHead, request.ExpectedEpoch, SelectTopic(request.Topic)?.Info);
            }
        }

        return new AppendResult(info.Epoch, head, now, acknowledged);
    }

    public TopicInfo CreateTopic(TopicName topic, DateTimeOffset now) =>
        (SelectTopic(topic) ?? InsertTopic(topic, now)).Info;

    public TrimResult Trim(TopicName topic, Retention retention, DateTimeOffset now)
    {
        if (SelectTopic(topic) is not var (id, info))
        {
            return new TrimResult(null, 0);
        }

        var first = retention.KeepFrom(info.Head, info.FirstSequence);

        if (retention.MaxAge is { } maxAge && first <= info.Head)
        {
            _firstYoungEvent.Parameters[0].Value = id;
            _firstYoungEvent.Parameters[1].Value = (long)first;
            _firstYoungEvent.Parameters[2].Value = (now - maxAge).ToUnixTimeMilliseconds();
            var young = _firstYoungEvent.ExecuteScalar();
            first = young is long seq ? (ulong)seq : info.Head + 1;
        }

        if (first <= info.FirstSequence)
        {
            return new TrimResult(info, 0);
        }

        _deleteEventsBefore.Parameters[0].Value = id;
        _deleteEventsBefore.Parameters[1].Value = (long)first;
        var removed = _deleteEventsBefore.ExecuteNonQuery();
        _updateFirst.Parameters[0].Value = (long)first;
        _updateFirst.Parameters[1].Value = id;
        _updateFirst.ExecuteNonQuery();
        return new TrimResult(info with { FirstSequence = first }, (ulong)removed);
    }

    public bool DeleteTopic(TopicName topic)
    {
        if (SelectTopic(topic) is not var (id, _))
        {
            return false;
        }

        foreach (var command in new[] { _deleteTopicEvents, _deleteTopicKeys, _deleteTopic })
        {
            command.Parameters[0].Value = id;
            command.ExecuteNonQuery();
        }

        return true;
    }

    /// <summary>Runs a rare statement (snapshots) inside the group's transaction; returns the rows it changed.</summary>
    public int Run(string sql, params (string Name, object Value)[] parameters)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        _checkpointer.Dispose();
        SqliteConnection.ClearPool(_connection);
        _connection.Dispose();
    }

    private void InsertEvent(AppendRequest request, long id, ulong seq, long nowMs, NewEvent item)
    {
        _insertEvent.Parameters[0].Value = id;
        _insertEvent.Parameters[1].Value = (long)seq;
        _insertEvent.Parameters[2].Value = nowMs;
        _insertEvent.Parameters[3].Value = item.Type is { } type ? type.Value : DBNull.Value;
        SqliteRows.BindBlob(_insertEvent.Parameters[4], item.Data);
        try
        {
            _insertEvent.ExecuteNonQuery();
        }
        catch (SqliteException duplicate) when (duplicate.SqliteExtendedErrorCode is ConstraintPrimaryKey or ConstraintUnique)
        {
            // Another writer committed this sequence number: the unique key fenced us out.
            throw new AppendConflictException(request.Topic, request.ExpectedHead, request.ExpectedEpoch, SelectTopic(request.Topic)?.Info, duplicate);
        }
    }

    private ulong? FindRecentKey(long id, string key, long nowMs)
    {
        _selectKey.Parameters[0].Value = id;
        _selectKey.Parameters[1].Value = key;
        using var reader = _selectKey.ExecuteReader();
        // A key older than the window is forgotten even before pruning removes its row.
        return reader.Read() && nowMs - reader.GetInt64(1) < _idempotencyWindowMs ? (ulong)reader.GetInt64(0) : null;
    }

    private (long Id, TopicInfo Info)? SelectTopic(TopicName topic)
    {
        _selectTopic.Parameters[0].Value = topic.Value;
        using var reader = _selectTopic.ExecuteReader();
        return reader.Read() ? SqliteRows.ReadTopic(reader) : null;
    }

    private (long Id, TopicInfo Info) InsertTopic(TopicName topic, DateTimeOffset now)
    {
        var epoch = TopicEpoch.NewRandom();
        _insertTopic.Parameters[0].Value = topic.Value;
        _insertTopic.Parameters[1].Value = epoch.ToString();
        _insertTopic.Parameters[2].Value = now.ToUnixTimeMilliseconds();
        var id = (long)_insertTopic.ExecuteScalar()!;
        return (id, new TopicInfo(topic, epoch, Head: 0, FirstSequence: 1, now));
    }

    private void PruneExpiredKeys(DateTimeOffset now)
    {
        if (now < _nextPrune)
        {
            return;
        }

        _pruneKeys.Parameters[0].Value = now.ToUnixTimeMilliseconds() - _idempotencyWindowMs;
        var pruned = _pruneKeys.ExecuteNonQuery();
        // A full batch means more are waiting: look again at the next commit.
        _nextPrune = pruned == KeysPrunedPerCommit ? now : now + KeyPruneInterval;
    }

    private void TryRollback()
    {
        try
        {
            _rollback.ExecuteNonQuery();
        }
        catch (SqliteException)
        {
            // SQLite already rolled back (the error that got us here did), which is all we wanted.
        }
    }

    private void Exec(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private SqliteCommand Prepare(string sql, params (string Name, SqliteType Type)[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, type) in parameters)
        {
            command.Parameters.Add(name, type);
        }

        command.Prepare();
        return command;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"SqliteWriteSession({_connection.DataSource})");
}
