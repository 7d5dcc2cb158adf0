using System.Runtime.InteropServices;
using EventActors.Protocol;
using Npgsql;
using NpgsqlTypes;

namespace EventActors.Actors.Journal.Postgres;

/// <summary>
/// The write connection and the SQL of every write. Used by one group at a time (the group
/// commit sees to that). A group of appends costs two round trips whatever its size: one that
/// begins the transaction and locks the topics' rows, one that inserts every event with one
/// multi-row statement, moves the heads, records the keys and commits.
/// </summary>
internal sealed class PostgresWriteSession(NpgsqlDataSource dataSource, string schema, TimeSpan idempotencyWindow) : IAsyncDisposable
{
    /// <summary>Most expired idempotency keys one commit deletes: bounds the extra work pruning adds to any one commit.</summary>
    private const int KeysPrunedPerCommit = 10_000;

    /// <summary>How often (journal clock) a commit looks for expired keys; expired keys are ignored anyway, pruning reclaims space.</summary>
    private static readonly TimeSpan KeyPruneInterval = TimeSpan.FromMinutes(1);

    private readonly string _lockTopics = $"SELECT {PostgresRows.TopicColumns} FROM {schema}.topics WHERE name = ANY($1) ORDER BY name FOR UPDATE;";
    private readonly string _insertTopics =
        $"INSERT INTO {schema}.topics (name, epoch, head, first_seq, created_at) SELECT n, e, 0, 1, $3 FROM unnest($1::text[], $2::text[]) AS v(n, e) ON CONFLICT (name) DO NOTHING;";
    private readonly string _selectKeys =
        $"SELECT topic_id, key, seq, recorded_at FROM {schema}.idempotency_keys WHERE topic_id IN (SELECT id FROM {schema}.topics WHERE name = ANY($1)) AND key = ANY($2);";
    private readonly string _insertEvents =
        $"INSERT INTO {schema}.events (topic_id, seq, appended_at, type, data) SELECT i, s, $5, t, d FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bytea[]) AS v(i, s, t, d);";
    // The condition on the old head is the compare-and-set that fences a second writer; the
    // row locks taken at the start make it hold, and the row count proves it did.
    private readonly string _moveHeads =
        $"UPDATE {schema}.topics AS t SET head = v.head FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS v(id, head, expected) WHERE t.id = v.id AND t.head = v.expected;";
    private readonly string _upsertKeys =
        $"INSERT INTO {schema}.idempotency_keys (topic_id, key, seq, recorded_at) SELECT i, k, s, $4 FROM unnest($1::bigint[], $2::text[], $3::bigint[]) AS v(i, k, s) " +
        "ON CONFLICT (topic_id, key) DO UPDATE SET seq = excluded.seq, recorded_at = excluded.recorded_at;";
    private readonly string _pruneKeys =
        $"DELETE FROM {schema}.idempotency_keys WHERE ctid = ANY(ARRAY(SELECT ctid FROM {schema}.idempotency_keys WHERE recorded_at <= $1 LIMIT {KeysPrunedPerCommit}));";

    /// <summary>Topics whose id and head this session keeps, so appends to them skip reading and locking their rows (bounded; see <see cref="Remember"/>).</summary>
    private const int MaxCachedTopics = 100_000;

    private readonly Dictionary<string, (long Id, TopicInfo Info)> _topics = new(StringComparer.Ordinal);
    private readonly string _compareAndSetAppend =
        $"WITH moved AS (UPDATE {schema}.topics AS t SET head = v.head FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS v(id, head, expected) " +
        "WHERE t.id = v.id AND t.head = v.expected RETURNING t.id), " +
        $"appended AS (INSERT INTO {schema}.events (topic_id, seq, appended_at, type, data) " +
        "SELECT i, s, $4, t, d FROM unnest($5::bigint[], $6::bigint[], $7::text[], $8::bytea[]) AS e(i, s, t, d) WHERE e.i IN (SELECT id FROM moved)), " +
        $"keyed AS (INSERT INTO {schema}.idempotency_keys (topic_id, key, seq, recorded_at) " +
        "SELECT i, k, s, $4 FROM unnest($9::bigint[], $10::text[], $11::bigint[]) AS v(i, k, s) WHERE v.i IN (SELECT id FROM moved) " +
        "ON CONFLICT (topic_id, key) DO UPDATE SET seq = excluded.seq, recorded_at = excluded.recorded_at) " +
        "SELECT id FROM moved;";

    private NpgsqlConnection? _connection;
    private DateTimeOffset _nextPrune = DateTimeOffset.MinValue;
    private long _commits;

    /// <summary>Group commits so far (for tests: appends per commit shows the grouping).</summary>
    public long Commits => Interlocked.Read(ref _commits);

    /// <summary>
    /// Whether the last group failed after its COMMIT was sent: a connection that breaks then
    /// leaves the group's outcome unknown (it may have committed).
    /// </summary>
    public bool LastFailureOutcomeUnknown { get; private set; }

    private bool CommitInFlight { get; set; }

    /// <summary>
    /// Runs a group of appends in one transaction and commits it. Returns one outcome per append:
    /// its <see cref="AppendResult"/> or the exception it failed with (a conflict fails that append alone).
    /// </summary>
    /// <exception cref="NpgsqlException">The transaction as a whole failed (connection lost, database error): nothing of the group is committed, unless <see cref="CommitInFlight"/> says the COMMIT was sent.</exception>
    public async Task<object[]> AppendAsync(IReadOnlyList<AppendWrite> group, DateTimeOffset now)
    {
        now = Truncate(now);
        LastFailureOutcomeUnknown = false;
        var outcomes = new object[group.Count];
        var locked = await AppendOnCachedHeadsAsync(group, now, outcomes).ConfigureAwait(false);
        if (locked.Count > 0)
        {
            var rest = await AppendLockedAsync(locked.Select(i => group[i]).ToList(), now).ConfigureAwait(false);
            for (var k = 0; k < locked.Count; k++)
            {
                outcomes[locked[k]] = rest[k];
            }
        }

        return outcomes;
    }

    /// <summary>
    /// The common case in one round trip: every topic of the group is known to this session (its
    /// id and head cached from an earlier commit) and every append expects what the cache says.
    /// One statement moves the heads with a compare-and-set and inserts only the events (and
    /// keys) of the topics whose head it moved; a topic another writer moved meanwhile is left
    /// untouched, dropped from the cache, and its appends go the locked way.
    /// </summary>
    /// <returns>The indexes of the appends still to run the locked way, in order.</returns>
    private async Task<List<int>> AppendOnCachedHeadsAsync(IReadOnlyList<AppendWrite> group, DateTimeOffset now, object[] outcomes)
    {
        var locked = new List<int>();
        var rows = new Dictionary<string, TopicRow>(StringComparer.Ordinal);
        foreach (var write in group)
        {
            if (!rows.ContainsKey(write.Request.Topic.Value) && TryCached(write.Request.Topic.Value, out var row))
            {
                rows[write.Request.Topic.Value] = row;
            }
        }

        if (rows.Count == 0)
        {
            return [.. Enumerable.Range(0, group.Count)];
        }

        var connection = await OpenAsync().ConfigureAwait(false);
        var storedKeys = await SelectKeysAsync(connection, group.Where(w => rows.ContainsKey(w.Request.Topic.Value)), rows.Keys.ToArray()).ConfigureAwait(false);
        var plan = new AppendPlan(now, idempotencyWindow);
        var lockedTopics = new HashSet<string>(StringComparer.Ordinal);
        var cached = new List<int>();
        for (var i = 0; i < group.Count; i++)
        {
            var name = group[i].Request.Topic.Value;
            // An unknown topic, or an expectation the cache cannot settle (the cache may be the
            // stale one): this append and every later one of its topic take the locked path, so
            // each topic's appends stay in order.
            if (!lockedTopics.Contains(name) && rows.ContainsKey(name)
                && plan.Add(group[i].Request, rows, storedKeys) is var outcome and not AppendConflictException)
            {
                outcomes[i] = outcome;
                cached.Add(i);
            }
            else
            {
                lockedTopics.Add(name);
                locked.Add(i);
            }
        }

        if (cached.Count == 0)
        {
            return locked;
        }

        HashSet<long> moved;
        try
        {
            await using var command = plan.ToCompareAndSetCommand(connection, this);
            CommitInFlight = true;
            moved = [];
            await using (var reader = await command.ExecuteReaderAsync().ConfigureAwait(false))
            {
                while (await reader.ReadAsync().ConfigureAwait(false))
                {
                    moved.Add(reader.GetInt64(0));
                }
            }

            CommitInFlight = false;
        }
        catch (PostgresException error) when (IsRaceLost(error))
        {
            // Another writer inserted under us: nothing of the statement stands. All of it goes
            // the locked way, which settles each append exactly.
            CommitInFlight = false;
            _topics.Clear();
            return [.. cached.Concat(locked).Order()];
        }
        catch
        {
            LastFailureOutcomeUnknown = CommitInFlight;
            CommitInFlight = false;
            if (_connection is not { State: System.Data.ConnectionState.Open })
            {
                await DropConnectionAsync().ConfigureAwait(false);
            }

            throw;
        }

        Interlocked.Increment(ref _commits);
        await PruneKeysIfDueAsync(connection, now).ConfigureAwait(false);
        foreach (var (name, row) in rows)
        {
            if (moved.Contains(row.Id))
            {
                Remember(row.Info, row.Id);
            }
            else
            {
                // Not ours any more (another writer moved it, or it was deleted): forget it, and
                // settle its appends the locked way.
                _topics.Remove(name);
                locked.AddRange(cached.Where(i => group[i].Request.Topic.Value == name));
            }
        }

        locked.Sort();
        return locked;
    }

    /// <summary>The group (or what is left of it) with the topics' rows locked: exact for any expectation, and how unknown topics get created.</summary>
    private async Task<object[]> AppendLockedAsync(IReadOnlyList<AppendWrite> group, DateTimeOffset now)
    {
        try
        {
            return await AppendOnceAsync(group, now).ConfigureAwait(false);
        }
        catch (PostgresException error) when (IsRaceLost(error))
        {
            // Another writer (node) touched these topics between our reads and our writes:
            // a unique key or a deadlock stopped the whole group. Run each append alone, so the
            // one that raced fails as a conflict and the others commit.
            if (group.Count == 1)
            {
                return [await ConflictOf(group[0].Request, error).ConfigureAwait(false)];
            }

            var outcomes = new object[group.Count];
            for (var i = 0; i < group.Count; i++)
            {
                try
                {
                    outcomes[i] = (await AppendOnceAsync([group[i]], now).ConfigureAwait(false))[0];
                }
                catch (PostgresException single) when (IsRaceLost(single))
                {
                    outcomes[i] = await ConflictOf(group[i].Request, single).ConfigureAwait(false);
                }
            }

            return outcomes;
        }
    }

    /// <summary>The stored keys the appends carry (a superset: any of the topics with any of the keys), or none without a query when they carry none.</summary>
    private async Task<Dictionary<(long, string), (ulong Sequence, DateTime RecordedAt)>> SelectKeysAsync(NpgsqlConnection connection, IEnumerable<AppendWrite> appends, string[] names)
    {
        var found = new Dictionary<(long, string), (ulong, DateTime)>();
        var keys = appends.Where(w => !w.Request.KeysChecked).SelectMany(w => w.Request.Events).Select(e => e.IdempotencyKey).OfType<string>().Distinct(StringComparer.Ordinal).ToArray();
        if (keys.Length == 0)
        {
            return found;
        }

        await using var command = new NpgsqlCommand(_selectKeys, connection);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = names });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = keys });
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        while (await reader.ReadAsync().ConfigureAwait(false))
        {
            found[(reader.GetInt64(0), reader.GetString(1))] = ((ulong)reader.GetInt64(2), reader.GetDateTime(3));
        }

        return found;
    }

    private async Task PruneKeysIfDueAsync(NpgsqlConnection connection, DateTimeOffset now)
    {
        if (PruneCutoff(now) is not { } cutoff)
        {
            return;
        }

        await using var prune = new NpgsqlCommand(_pruneKeys, connection);
        prune.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = cutoff });
        await prune.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    private bool TryCached(string name, out TopicRow row)
    {
        if (_topics.TryGetValue(name, out var known))
        {
            row = new TopicRow(known.Id, known.Info);
            return true;
        }

        row = null!;
        return false;
    }

    /// <summary>Caches a topic's state as committed by this session.</summary>
    private void Remember(TopicInfo info, long id)
    {
        if (_topics.Count >= MaxCachedTopics && !_topics.ContainsKey(info.Topic.Value))
        {
            // Crude but bounded: a node writing more topics than this pays one locked group per
            // topic after the reset, then is fast again.
            _topics.Clear();
        }

        _topics[info.Topic.Value] = (id, info);
    }

    public async Task<TopicInfo> CreateTopicAsync(TopicName topic, DateTimeOffset now)
    {
        now = Truncate(now);
        var connection = await OpenAsync().ConfigureAwait(false);
        // Look first: a topic actor creates its topic on every start, and an INSERT that meets
        // an existing row would still use up an identity value.
        if (await SelectTopicAsync(connection, topic, forUpdate: false).ConfigureAwait(false) is { } existing)
        {
            Remember(existing.Info, existing.Id);
            return existing.Info;
        }

        await using (var insert = new NpgsqlCommand(_insertTopics, connection))
        {
            insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [topic.Value] });
            insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [TopicEpoch.NewRandom().ToString()] });
            insert.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = now.UtcDateTime });
            await insert.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        // Ours, or another node's that got there first: either way the one that is stored.
        var (id, info) = (await SelectTopicAsync(connection, topic, forUpdate: false).ConfigureAwait(false))!.Value;
        Remember(info, id);
        return info;
    }

    public async Task<TrimResult> TrimAsync(TopicName topic, Retention retention, DateTimeOffset now)
    {
        now = Truncate(now);
        var connection = await OpenAsync().ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
        if (await SelectTopicAsync(connection, topic, forUpdate: true).ConfigureAwait(false) is not var (id, info))
        {
            return new TrimResult(null, 0);
        }

        var first = retention.KeepFrom(info.Head, info.FirstSequence);

        if (retention.MaxAge is { } maxAge && first <= info.Head)
        {
            // Walks from the first retained event to the first young enough to keep: the work
            // is proportional to what is about to be removed.
            await using var young = new NpgsqlCommand(
                $"SELECT seq FROM {schema}.events WHERE topic_id = $1 AND seq >= $2 AND appended_at >= $3 ORDER BY seq LIMIT 1;", connection);
            young.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
            young.Parameters.Add(new NpgsqlParameter<long> { TypedValue = (long)first });
            young.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = (now - maxAge).UtcDateTime });
            first = await young.ExecuteScalarAsync().ConfigureAwait(false) is long seq ? (ulong)seq : info.Head + 1;
        }

        if (first <= info.FirstSequence)
        {
            return new TrimResult(info, 0);
        }

        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                Command($"DELETE FROM {schema}.events WHERE topic_id = $1 AND seq < $2;", id, (long)first),
                Command($"UPDATE {schema}.topics SET first_seq = $2 WHERE id = $1;", id, (long)first),
            },
        };
        await batch.ExecuteNonQueryAsync().ConfigureAwait(false);
        await transaction.CommitAsync().ConfigureAwait(false);
        return new TrimResult(info with { FirstSequence = first }, (ulong)batch.BatchCommands[0].RecordsAffected);
    }

    public async Task<bool> DeleteTopicAsync(TopicName topic)
    {
        _topics.Remove(topic.Value);
        var connection = await OpenAsync().ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
        if (await SelectTopicAsync(connection, topic, forUpdate: true).ConfigureAwait(false) is not var (id, _))
        {
            return false;
        }

        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                Command($"DELETE FROM {schema}.events WHERE topic_id = $1;", id),
                Command($"DELETE FROM {schema}.idempotency_keys WHERE topic_id = $1;", id),
                Command($"DELETE FROM {schema}.topics WHERE id = $1;", id),
            },
        };
        await batch.ExecuteNonQueryAsync().ConfigureAwait(false);
        await transaction.CommitAsync().ConfigureAwait(false);
        return true;
    }

    /// <summary>Opens a fresh connection and runs a trivial query: is the database back?</summary>
    public async Task ProbeAsync()
    {
        await DropConnectionAsync().ConfigureAwait(false);
        var connection = await OpenAsync().ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT 1;", connection);
        await command.ExecuteScalarAsync().ConfigureAwait(false);
    }

    /// <summary>Forgets the connection after a failure; the next write opens a new one.</summary>
    public async Task DropConnectionAsync()
    {
        CommitInFlight = false;
        if (_connection is { } connection)
        {
            _connection = null;
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    public ValueTask DisposeAsync() => new(DropConnectionAsync());

    private async Task<object[]> AppendOnceAsync(IReadOnlyList<AppendWrite> group, DateTimeOffset now)
    {
        LastFailureOutcomeUnknown = false;
        var connection = await OpenAsync().ConfigureAwait(false);
        var names = group.Select(w => w.Request.Topic.Value).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();

        var keys = group.Where(w => !w.Request.KeysChecked).SelectMany(w => w.Request.Events).Select(e => e.IdempotencyKey).OfType<string>().Distinct(StringComparer.Ordinal).ToArray();
        try
        {
            // Round trip 1: begin, lock the topics' rows in name order (every node locks in the
            // same order, so two nodes' groups wait for each other instead of deadlocking), and
            // read the idempotency keys the group carries.
            var (topics, storedKeys) = await ReadGroupStateAsync(connection, names, keys, begin: true).ConfigureAwait(false);
            var missing = names.Where(name => !topics.ContainsKey(name) && group.Any(w => w.Request.Topic.Value == name && CreatesTopic(w.Request))).ToArray();
            if (missing.Length > 0)
            {
                // A new incarnation has no keys yet: only its row is read back.
                await InsertTopicsAsync(connection, missing, now).ConfigureAwait(false);
                foreach (var (name, row) in (await ReadGroupStateAsync(connection, missing, [], begin: false).ConfigureAwait(false)).Topics)
                {
                    topics[name] = row;
                }
            }

            var plan = new AppendPlan(now, idempotencyWindow);
            var outcomes = new object[group.Count];
            for (var i = 0; i < group.Count; i++)
            {
                outcomes[i] = plan.Add(group[i].Request, topics, storedKeys);
            }

            // Round trip 2: every event, head and key of the group, then COMMIT.
            await using var batch = plan.ToBatch(connection, this, PruneCutoff(now));
            CommitInFlight = true;
            await batch.ExecuteNonQueryAsync().ConfigureAwait(false);
            CommitInFlight = false;
            var headsMoved = plan.HeadsMoved;
            if (headsMoved > 0 && batch.BatchCommands[AppendPlan.MoveHeadsIndex].RecordsAffected != headsMoved)
            {
                // Unreachable while the rows are locked; if it ever happens, nothing may stand.
                throw new InvalidOperationException("A topic's head moved under its row lock; the group was not committed.");
            }

            Interlocked.Increment(ref _commits);
            foreach (var row in topics.Values)
            {
                Remember(row.Info, row.Id);
            }

            return outcomes;
        }
        catch
        {
            LastFailureOutcomeUnknown = CommitInFlight;
            await RollbackAsync(connection).ConfigureAwait(false);
            throw;
        }
    }

    internal string CompareAndSetAppendSql => _compareAndSetAppend;

    internal string InsertEventsSql => _insertEvents;

    internal string MoveHeadsSql => _moveHeads;

    internal string UpsertKeysSql => _upsertKeys;

    internal string PruneKeysSql => _pruneKeys;

    private static bool CreatesTopic(AppendRequest request) => request.ExpectedEpoch is null && (request.ExpectedHead ?? 0) == 0;

    private DateTime? PruneCutoff(DateTimeOffset now)
    {
        if (now < _nextPrune)
        {
            return null;
        }

        // Pruning at most every interval; a backlog larger than one batch waits an interval
        // more, which only delays reclaiming space (expired keys are ignored when read).
        _nextPrune = now + KeyPruneInterval;
        return (now - idempotencyWindow).UtcDateTime;
    }

    private async Task<(Dictionary<string, TopicRow> Topics, Dictionary<(long, string), (ulong Sequence, DateTime RecordedAt)> Keys)> ReadGroupStateAsync(
        NpgsqlConnection connection, string[] names, string[] keys, bool begin)
    {
        await using var batch = new NpgsqlBatch(connection);
        if (begin)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("BEGIN;"));
        }

        var lockTopics = new NpgsqlBatchCommand(_lockTopics);
        lockTopics.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = names });
        batch.BatchCommands.Add(lockTopics);
        if (keys.Length > 0)
        {
            // A superset (any of the topics with any of the keys); the plan looks up exact pairs.
            var selectKeys = new NpgsqlBatchCommand(_selectKeys);
            selectKeys.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = names });
            selectKeys.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = keys });
            batch.BatchCommands.Add(selectKeys);
        }

        var topics = new Dictionary<string, TopicRow>(names.Length, StringComparer.Ordinal);
        var found = new Dictionary<(long, string), (ulong, DateTime)>();
        await using var reader = await batch.ExecuteReaderAsync().ConfigureAwait(false);
        while (await reader.ReadAsync().ConfigureAwait(false))
        {
            var (id, info) = PostgresRows.ReadTopic(reader);
            topics[info.Topic.Value] = new TopicRow(id, info);
        }

        if (keys.Length > 0 && await reader.NextResultAsync().ConfigureAwait(false))
        {
            while (await reader.ReadAsync().ConfigureAwait(false))
            {
                found[(reader.GetInt64(0), reader.GetString(1))] = ((ulong)reader.GetInt64(2), reader.GetDateTime(3));
            }
        }

        return (topics, found);
    }

    private async Task InsertTopicsAsync(NpgsqlConnection connection, string[] names, DateTimeOffset now)
    {
        await using var command = new NpgsqlCommand(_insertTopics, connection);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = names });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = names.Select(_ => TopicEpoch.NewRandom().ToString()).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = now.UtcDateTime });
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    private async Task<(long Id, TopicInfo Info)?> SelectTopicAsync(NpgsqlConnection connection, TopicName topic, bool forUpdate)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT {PostgresRows.TopicColumns} FROM {schema}.topics WHERE name = $1{(forUpdate ? " FOR UPDATE" : "")};", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = topic.Value });
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        return await reader.ReadAsync().ConfigureAwait(false) ? PostgresRows.ReadTopic(reader) : null;
    }

    private async Task<AppendConflictException> ConflictOf(AppendRequest request, Exception cause)
    {
        var connection = await OpenAsync().ConfigureAwait(false);
        var actual = await SelectTopicAsync(connection, request.Topic, forUpdate: false).ConfigureAwait(false);
        return new AppendConflictException(request.Topic, request.ExpectedHead, request.ExpectedEpoch, actual?.Info, cause);
    }

    private async Task<NpgsqlConnection> OpenAsync()
    {
        if (_connection is { State: System.Data.ConnectionState.Open } open)
        {
            return open;
        }

        await DropConnectionAsync().ConfigureAwait(false);
        _connection = await dataSource.OpenConnectionAsync().ConfigureAwait(false);
        return _connection;
    }

    private async Task RollbackAsync(NpgsqlConnection connection)
    {
        CommitInFlight = false;
        if (connection.State != System.Data.ConnectionState.Open)
        {
            await DropConnectionAsync().ConfigureAwait(false);
            return;
        }

        try
        {
            await Execute(connection, "ROLLBACK;").ConfigureAwait(false);
        }
        catch (NpgsqlException)
        {
            // The connection broke: the server rolls the transaction back when it sees it go.
            await DropConnectionAsync().ConfigureAwait(false);
        }
    }

    private static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    private static NpgsqlBatchCommand Command(string sql, params long[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = value });
        }

        return command;
    }

    /// <summary>A unique key or a deadlock: another writer of the same topic won a race.</summary>
    private static bool IsRaceLost(PostgresException error) =>
        error.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure;

    /// <summary>PostgreSQL keeps microseconds; the journal reports what it stores, so it works in milliseconds throughout.</summary>
    private static DateTimeOffset Truncate(DateTimeOffset now) => DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds());

    /// <summary>A topic's row as locked at the start of a group; <see cref="Info"/> advances as the group's appends are planned.</summary>
    internal sealed class TopicRow(long id, TopicInfo info)
    {
        public long Id { get; } = id;

        public TopicInfo Info { get; set; } = info;
    }

    /// <summary>
    /// Assigns sequence numbers to a group's appends in memory, against the locked rows, and
    /// collects what the group writes into column arrays for the multi-row statements.
    /// </summary>
    private sealed class AppendPlan(DateTimeOffset now, TimeSpan window)
    {
        public const int MoveHeadsIndex = 1;

        private readonly List<long> _eventTopics = [];
        private readonly List<long> _eventSeqs = [];
        private readonly List<string?> _eventTypes = [];
        private readonly List<byte[]> _eventData = [];
        private readonly Dictionary<long, (long Expected, long Head)> _heads = [];
        private readonly Dictionary<(long TopicId, string Key), ulong> _newKeys = [];

        public int HeadsMoved => _heads.Count(h => h.Value.Head != h.Value.Expected);

        /// <summary>Plans one append; returns its result, or the exception it fails with (nothing of it is then planned).</summary>
        public object Add(AppendRequest request, Dictionary<string, TopicRow> topics, Dictionary<(long, string), (ulong Sequence, DateTime RecordedAt)> storedKeys)
        {
            topics.TryGetValue(request.Topic.Value, out var row);
            var actualHead = row?.Info.Head ?? 0;
            if ((request.ExpectedEpoch is { } epoch && row?.Info.Epoch != epoch)
                || (request.ExpectedHead is { } expected && expected != actualHead))
            {
                return new AppendConflictException(request.Topic, request.ExpectedHead, request.ExpectedEpoch, row?.Info);
            }

            if (row is null)
            {
                // Only an append that expects a head other than 0 finds no row, and it conflicted above.
                return new InvalidOperationException($"Topic '{request.Topic}' was neither found nor created.");
            }

            var eventMark = _eventTopics.Count;
            List<(long, string)>? addedKeys = null; // only keyed appends need an undo list
            var head = actualHead;
            var acknowledged = new AppendedEvent[request.Events.Count];
            for (var i = 0; i < request.Events.Count; i++)
            {
                var item = request.Events[i];
                if (!request.KeysChecked && item.IdempotencyKey is { } key && FindKey(row.Id, key, storedKeys) is { } original)
                {
                    acknowledged[i] = new AppendedEvent(original, Duplicate: true);
                    continue;
                }

                if (head >= IEventJournal.MaxSequence)
                {
                    Undo(eventMark, addedKeys);
                    return new InvalidOperationException($"Topic '{request.Topic}' has reached the highest sequence number, {IEventJournal.MaxSequence}.");
                }

                head++;
                _eventTopics.Add(row.Id);
                _eventSeqs.Add((long)head);
                _eventTypes.Add(item.Type?.Value);
                _eventData.Add(WholeArray(item.Data));
                if (item.IdempotencyKey is { } newKey)
                {
                    _newKeys[(row.Id, newKey)] = head;
                    (addedKeys ??= []).Add((row.Id, newKey));
                }

                acknowledged[i] = new AppendedEvent(head, Duplicate: false);
            }

            var before = _heads.TryGetValue(row.Id, out var moved) ? moved.Expected : (long)actualHead;
            _heads[row.Id] = (before, (long)head);
            row.Info = row.Info with { Head = head };
            return new AppendResult(row.Info.Epoch, head, now, acknowledged);
        }

        /// <summary>The one-statement append of the cached path: every planned topic's head is compared and set, moved or not.</summary>
        public NpgsqlCommand ToCompareAndSetCommand(NpgsqlConnection connection, PostgresWriteSession session)
        {
            var command = new NpgsqlCommand(session.CompareAndSetAppendSql, connection);
            var heads = _heads.ToArray();
            command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = heads.Select(h => h.Key).ToArray() });
            command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = heads.Select(h => h.Value.Head).ToArray() });
            command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = heads.Select(h => h.Value.Expected).ToArray() });
            command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = now.UtcDateTime });
            command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. _eventTopics] });
            command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. _eventSeqs] });
            command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = [.. _eventTypes] });
            command.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = [.. _eventData] });
            command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = _newKeys.Keys.Select(k => k.TopicId).ToArray() });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = _newKeys.Keys.Select(k => k.Key).ToArray() });
            command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = _newKeys.Values.Select(v => (long)v).ToArray() });
            return command;
        }

        public NpgsqlBatch ToBatch(NpgsqlConnection connection, PostgresWriteSession session, DateTime? pruneCutoff)
        {
            var time = now.UtcDateTime;
            var insert = new NpgsqlBatchCommand(session.InsertEventsSql);
            insert.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. _eventTopics] });
            insert.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. _eventSeqs] });
            insert.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = [.. _eventTypes] });
            insert.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = [.. _eventData] });
            insert.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = time });

            var moved = _heads.Where(h => h.Value.Head != h.Value.Expected).ToArray();
            var heads = new NpgsqlBatchCommand(session.MoveHeadsSql);
            heads.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = moved.Select(h => h.Key).ToArray() });
            heads.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = moved.Select(h => h.Value.Head).ToArray() });
            heads.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = moved.Select(h => h.Value.Expected).ToArray() });

            var keys = new NpgsqlBatchCommand(session.UpsertKeysSql);
            keys.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = _newKeys.Keys.Select(k => k.TopicId).ToArray() });
            keys.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = _newKeys.Keys.Select(k => k.Key).ToArray() });
            keys.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = _newKeys.Values.Select(s => (long)s).ToArray() });
            keys.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = time });

            // The order matters: MoveHeadsIndex names the UPDATE whose row count is checked.
            var batch = new NpgsqlBatch(connection) { BatchCommands = { insert, heads, keys } };
            if (pruneCutoff is { } cutoff)
            {
                var prune = new NpgsqlBatchCommand(session.PruneKeysSql);
                prune.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = cutoff });
                batch.BatchCommands.Add(prune);
            }

            batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT;"));
            return batch;
        }

        private ulong? FindKey(long topicId, string key, Dictionary<(long, string), (ulong Sequence, DateTime RecordedAt)> storedKeys)
        {
            // A key appended earlier in this group is the newest record of it.
            if (_newKeys.TryGetValue((topicId, key), out var planned))
            {
                return planned;
            }

            // A key older than the window is forgotten even before pruning removes its row.
            return storedKeys.TryGetValue((topicId, key), out var stored) && now.UtcDateTime - stored.RecordedAt < window ? stored.Sequence : null;
        }

        private void Undo(int eventMark, List<(long, string)>? keys)
        {
            var extra = _eventTopics.Count - eventMark;
            _eventTopics.RemoveRange(eventMark, extra);
            _eventSeqs.RemoveRange(eventMark, extra);
            _eventTypes.RemoveRange(eventMark, extra);
            _eventData.RemoveRange(eventMark, extra);
            foreach (var key in keys ?? [])
            {
                _newKeys.Remove(key);
            }
        }

        /// <summary>The payload as an array of its own size, without a copy when it already is one (the common case).</summary>
        private static byte[] WholeArray(ReadOnlyMemory<byte> data) =>
            MemoryMarshal.TryGetArray(data, out var segment) && segment.Offset == 0 && segment.Array is { } array && array.Length == segment.Count
                ? array
                : data.ToArray();
    }
}
