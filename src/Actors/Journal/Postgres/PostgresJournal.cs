using System.Net.Sockets;
using EventActors.Protocol;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace EventActors.Actors.Journal.Postgres;

/// <summary>
/// The journal a cluster shares: PostgreSQL through Npgsql. Writes are group-committed on one
/// connection per instance (two round trips per group, however many appends it carries); reads
/// use pooled connections and never wait for the writes. Several instances
/// (nodes) may write the same database: row locks and the unique key on (topic, seq) fence them.
/// </summary>
/// <remarks>See <c>docs/journal.md</c> for the schema, the migrations and what happens while the database is down.</remarks>
public sealed partial class PostgresJournal : IEventJournal, ISnapshotStorage
{
    private readonly PostgresJournalOptions _options;
    private readonly NpgsqlDataSource _dataSource;
    private readonly PostgresWriteSession _session;
    private readonly PostgresAvailability _availability = new();
    private readonly GroupCommit<PostgresWrite> _writes;
    private readonly CancellationTokenSource _closing = new();
    private readonly ILogger _logger;
    private readonly string _schema;
    private readonly string _readPage, _readTopic, _listTopics, _listTopicAges, _findKeys;
    private readonly Lock _gate = new();
    private int _reconnecting;
    private int _pendingWrites;
    private bool _disposed;
    private Task? _disposal;

    private PostgresJournal(PostgresJournalOptions options, NpgsqlDataSource dataSource)
    {
        _options = options;
        _dataSource = dataSource;
        _schema = options.Schema;
        _logger = options.LoggerFactory.CreateLogger<PostgresJournal>();
        _session = new PostgresWriteSession(dataSource, _schema, options.IdempotencyWindow);
        _writes = new GroupCommit<PostgresWrite>(options.MaxEventsPerTransaction, CommitAsync, _logger);

        // One statement, so the topic's state and its events come from one snapshot: the page
        // and the FirstSequence/Head reported with it always agree.
        _readPage =
            $"SELECT t.{PostgresRows.TopicColumns.Replace(", ", ", t.", StringComparison.Ordinal)}, e.seq, e.appended_at, e.type, e.data " +
            $"FROM {_schema}.topics AS t LEFT JOIN LATERAL (" +
            $"SELECT seq, appended_at, type, data FROM {_schema}.events WHERE topic_id = t.id AND seq > $2 AND seq <= least($3, t.head) ORDER BY seq LIMIT $4" +
            ") AS e ON true WHERE t.name = $1;";
        _readTopic = $"SELECT {PostgresRows.TopicColumns} FROM {_schema}.topics WHERE name = $1;";
        _listTopics = $"SELECT {PostgresRows.TopicColumns} FROM {_schema}.topics WHERE name > $1 ORDER BY name LIMIT $2;";
        // One seek of the events' primary key per topic: its first retained event.
        _listTopicAges = $"SELECT t.name, (SELECT e.appended_at FROM {_schema}.events e WHERE e.topic_id = t.id AND e.seq >= t.first_seq ORDER BY e.seq LIMIT 1) " +
            $"FROM {_schema}.topics t WHERE t.name > $1 ORDER BY t.name LIMIT $2;";
        _findKeys = $"SELECT k.key, k.seq FROM {_schema}.idempotency_keys k JOIN {_schema}.topics t ON t.id = k.topic_id " +
            "WHERE t.name = $1 AND k.key = ANY($2) AND k.recorded_at > $3;";
    }

    /// <summary>
    /// Connects, and creates or upgrades the schema (<see cref="PostgresJournalOptions.Schema"/>).
    /// Dispose the journal to commit the writes accepted so far and close its connections.
    /// </summary>
    /// <exception cref="ArgumentException">An option is out of range; the message names it.</exception>
    /// <exception cref="NpgsqlException">The database cannot be reached at start-up, or refused the schema.</exception>
    /// <exception cref="InvalidOperationException">The schema was migrated by a newer version of EventActors.</exception>
    public static async Task<PostgresJournal> OpenAsync(PostgresJournalOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString);
        // Npgsql's own builder answers ContainsKey for every keyword it knows; the generic one
        // holds only what the connection string says, which is what "unless set" means here.
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = options.ConnectionString };
        if (!given.ContainsKey("Timeout"))
        {
            builder.Timeout = (int)Math.Ceiling(options.ConnectTimeout.TotalSeconds);
        }

        if (!given.ContainsKey("Max Auto Prepare"))
        {
            // The journal runs a handful of statements over and over: prepared once per
            // connection, they skip parsing and planning on every call.
            builder.MaxAutoPrepare = 32;
        }

        builder.ApplicationName ??= "EventActors";
        var dataSource = NpgsqlDataSource.Create(builder);
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            var before = await PostgresSchema.MigrateAsync(connection, options.Schema, cancellationToken).ConfigureAwait(false);
            var journal = new PostgresJournal(options, dataSource);
            JournalLog.PostgresOpened(journal._logger, builder.Host ?? "", builder.Database ?? "", options.Schema, before, PostgresSchema.Version, connection.PostgreSqlVersion.ToString());
            return journal;
        }
        catch
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public PostgresJournalOptions Options => _options;

    /// <summary>False while the database cannot be reached (writes then fail at once with <see cref="JournalUnreachableException"/>).</summary>
    public bool IsReachable => _availability.IsReachable;

    /// <summary>Group commits so far (for tests and metrics: appends per commit shows the grouping).</summary>
    internal long Commits => _session.Commits;

    public Task<AppendResult> AppendAsync(AppendRequest request, CancellationToken cancellationToken = default)
    {
        JournalArguments.ValidateAppend(request, _options.MaxEventsPerAppend, _options.MaxEventBytes, nameof(PostgresJournalOptions));

        var write = new AppendWrite(request);
        return Submit(write, write.Task, cancellationToken);
    }

    public Task<TopicInfo> CreateTopicAsync(TopicName topic, CancellationToken cancellationToken = default)
    {
        JournalArguments.ValidateTopic(topic, nameof(topic));
        var write = new SoloWrite<TopicInfo>((session, now) => session.CreateTopicAsync(topic, now));
        return Submit(write, write.Task, cancellationToken);
    }

    public Task<TrimResult> TrimAsync(TopicName topic, Retention retention, CancellationToken cancellationToken = default)
    {
        JournalArguments.ValidateTopic(topic, nameof(topic));
        JournalArguments.ValidateRetention(retention);

        var write = new SoloWrite<TrimResult>((session, now) => session.TrimAsync(topic, retention, now));
        return Submit(write, write.Task, cancellationToken);
    }

    public Task<bool> DeleteTopicAsync(TopicName topic, CancellationToken cancellationToken = default)
    {
        JournalArguments.ValidateTopic(topic, nameof(topic));
        var write = new SoloWrite<bool>((session, _) => session.DeleteTopicAsync(topic));
        return Submit(write, write.Task, cancellationToken);
    }

    public Task<TopicInfo?> GetTopicAsync(TopicName topic, CancellationToken cancellationToken = default)
    {
        JournalArguments.ValidateTopic(topic, nameof(topic));
        return Read(async (connection, token) =>
        {
            await using var command = new NpgsqlCommand(_readTopic, connection);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = topic.Value });
            await using var reader = await command.ExecuteReaderAsync(token).ConfigureAwait(false);
            return await reader.ReadAsync(token).ConfigureAwait(false) ? PostgresRows.ReadTopic(reader).Info : null;
        }, cancellationToken);
    }

    public Task<EventPage> ReadAsync(TopicName topic, ulong after, int maxEvents, ulong through = IEventJournal.MaxSequence, CancellationToken cancellationToken = default)
    {
        JournalArguments.ValidateTopic(topic, nameof(topic));
        ArgumentOutOfRangeException.ThrowIfNegative(maxEvents);
        var limit = Math.Min(maxEvents, _options.MaxEventsPerRead);
        // Sequences are below 2^63; a bound above that reads as "no bound".
        var afterBound = (long)Math.Min(after, IEventJournal.MaxSequence);
        var throughBound = (long)Math.Min(through, IEventJournal.MaxSequence);
        return Read(async (connection, token) =>
        {
            await using var command = new NpgsqlCommand(_readPage, connection);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = topic.Value });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = afterBound });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = throughBound });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
            await using var reader = await command.ExecuteReaderAsync(token).ConfigureAwait(false);
            TopicInfo? info = null;
            var events = new List<StoredEvent>();
            while (await reader.ReadAsync(token).ConfigureAwait(false))
            {
                info ??= PostgresRows.ReadTopic(reader).Info;
                if (!reader.IsDBNull(6))
                {
                    events.Add(new StoredEvent(
                        (ulong)reader.GetInt64(6),
                        PostgresRows.ToOffset(reader.GetDateTime(7)),
                        reader.IsDBNull(8) ? null : new SseEventType(reader.GetString(8)),
                        reader.GetFieldValue<byte[]>(9)));
                }
            }

            return info is null ? EventPage.Missing : new EventPage(info, events);
        }, cancellationToken);
    }

    public Task<IReadOnlyDictionary<string, ulong>> FindIdempotencyKeysAsync(TopicName topic, IReadOnlyCollection<string> keys, CancellationToken cancellationToken = default)
    {
        JournalArguments.ValidateKeys(topic, keys);
        if (keys.Count == 0)
        {
            return Task.FromResult<IReadOnlyDictionary<string, ulong>>(new Dictionary<string, ulong>());
        }

        var cutoff = (_options.TimeProvider.GetUtcNow() - _options.IdempotencyWindow).UtcDateTime;
        return Read<IReadOnlyDictionary<string, ulong>>(async (connection, token) =>
        {
            await using var command = new NpgsqlCommand(_findKeys, connection);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = topic.Value });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. keys] });
            command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = cutoff });
            var found = new Dictionary<string, ulong>(StringComparer.Ordinal);
            await using var reader = await command.ExecuteReaderAsync(token).ConfigureAwait(false);
            while (await reader.ReadAsync(token).ConfigureAwait(false))
            {
                found[reader.GetString(0)] = (ulong)reader.GetInt64(1);
            }

            return found;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<TopicInfo>> ListTopicsAsync(TopicName? after, int maxTopics, CancellationToken cancellationToken = default) =>
        ListPageAsync(_listTopics, after, maxTopics, static reader => PostgresRows.ReadTopic(reader).Info, cancellationToken);

    public Task<IReadOnlyList<TopicAge>> ListTopicAgesAsync(TopicName? after, int maxTopics, CancellationToken cancellationToken = default) =>
        ListPageAsync(_listTopicAges, after, maxTopics, static reader => new TopicAge(TopicName.Parse(reader.GetString(0)),
            reader.IsDBNull(1) ? null : PostgresRows.ToOffset(reader.GetDateTime(1))), cancellationToken);

    /// <summary>A page of topics in name order: <paramref name="sql"/> takes the name to start after and the page size.</summary>
    private Task<IReadOnlyList<T>> ListPageAsync<T>(string sql, TopicName? after, int maxTopics, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxTopics);
        var limit = Math.Min(maxTopics, _options.MaxEventsPerRead);
        return Read<IReadOnlyList<T>>(async (connection, token) =>
        {
            await using var command = new NpgsqlCommand(sql, connection);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = after?.Value ?? "" });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
            var topics = new List<T>();
            await using var reader = await command.ExecuteReaderAsync(token).ConfigureAwait(false);
            while (await reader.ReadAsync(token).ConfigureAwait(false))
            {
                topics.Add(read(reader));
            }

            return topics;
        }, cancellationToken);
    }

    /// <summary>Commits every write accepted so far, then closes the connections.</summary>
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

    /// <summary>
    /// Whether an error means the database cannot be reached (as opposed to refusing one
    /// statement): a broken or refused connection, a timeout, or the server shutting down.
    /// </summary>
    internal static bool IsConnectionFailure(Exception error) => error switch
    {
        PostgresException postgres => postgres.SqlState.StartsWith("08", StringComparison.Ordinal) // connection exceptions
            || postgres.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown
                or PostgresErrorCodes.CannotConnectNow or PostgresErrorCodes.TooManyConnections,
        NpgsqlException => true, // raised by the client itself: I/O, timeout, refused connection
        SocketException or IOException or TimeoutException => true,
        _ => false,
    };

    private async Task Close()
    {
        await _writes.DrainAsync().ConfigureAwait(false);
        await _closing.CancelAsync().ConfigureAwait(false); // ends the reconnection attempts
        await _session.DisposeAsync().ConfigureAwait(false);
        await _dataSource.DisposeAsync().ConfigureAwait(false);
        JournalLog.PostgresClosed(_logger, _schema);
    }

    private async Task<T> Submit<T>(PostgresWrite write, Task<T> completion, CancellationToken cancellationToken)
    {
        // Cancellation is honoured until the write is handed over; after that it runs to completion,
        // because a write cancelled mid-flight could not say whether it was committed.
        cancellationToken.ThrowIfCancellationRequested();
        if (!_availability.IsReachable)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            throw PostgresAvailability.Unreachable(_availability.Cause, outcomeUnknown: false);
        }

        if (Interlocked.Increment(ref _pendingWrites) > _options.MaxPendingWrites)
        {
            Interlocked.Decrement(ref _pendingWrites);
            throw new JournalOverloadedException(_options.MaxPendingWrites);
        }

        try
        {
            _writes.Submit(write, this);
            return await completion.ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _pendingWrites);
        }
    }

    private async Task<T> Read<T>(Func<NpgsqlConnection, CancellationToken, Task<T>> read, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_availability.IsReachable)
        {
            throw PostgresAvailability.Unreachable(_availability.Cause, outcomeUnknown: false);
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                return await read(connection, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception error) when (IsConnectionFailure(error) && !cancellationToken.IsCancellationRequested)
            {
                // After the database restarted, the pool's idle connections are dead: drop them
                // and try once more on a fresh one before calling the database unreachable.
                _dataSource.Clear();
                if (attempt == 2)
                {
                    OnReaderLostConnection(error);
                    throw PostgresAvailability.Unreachable(error, outcomeUnknown: false);
                }
            }
        }
    }

    /// <summary>
    /// Runs one group: the appends in one transaction, or a create, trim or delete alone. A lost
    /// connection fails the group with <see cref="JournalUnreachableException"/> and puts the
    /// journal out of service until a probe reaches the database again.
    /// </summary>
    private async Task<object[]> CommitAsync(PostgresWrite[] group)
    {
        if (group[0] is Probe probe)
        {
            return [await probe.RunAsync(_session).ConfigureAwait(false)];
        }

        if (!_availability.IsReachable)
        {
            // Admitted just before the database was found gone: refused without trying it.
            return Outcomes(group.Length, PostgresAvailability.Unreachable(_availability.Cause, outcomeUnknown: false));
        }

        var now = _options.TimeProvider.GetUtcNow();
        try
        {
            if (group[0] is SoloWrite solo)
            {
                try
                {
                    return [await solo.RunAsync(_session, now).ConfigureAwait(false) ?? NoResult.Instance];
                }
                catch (Exception failure) when (failure is JournalException or ArgumentException or InvalidOperationException)
                {
                    return [failure];
                }
            }

            return await _session.AppendAsync(Array.ConvertAll(group, write => (AppendWrite)write), now).ConfigureAwait(false);
        }
        catch (Exception failure) when (IsConnectionFailure(failure))
        {
            // A create, trim or delete does not say how far it got: counted as unknown.
            var unknown = group[0] is SoloWrite || _session.LastFailureOutcomeUnknown;
            JournalLog.PostgresUnreachable(_logger, failure, group.Length, unknown);
            // Unreachable first, then the callers learn of it: a caller that retries at once is
            // refused at the door instead of queueing behind a dead connection.
            BecomeUnreachable(failure);
            return Outcomes(group.Length, PostgresAvailability.Unreachable(failure, outcomeUnknown: unknown));
        }
    }

    /// <summary>A reader found the database gone. While a group is being written, its outcome tells instead.</summary>
    private void OnReaderLostConnection(Exception cause)
    {
        if (_availability.IsReachable && !_writes.IsWriting)
        {
            BecomeUnreachable(cause);
        }
    }

    private void BecomeUnreachable(Exception cause)
    {
        _availability.MarkUnreachable(cause);
        _writes.FailPending(_ => PostgresAvailability.Unreachable(cause, outcomeUnknown: false));
        if (Interlocked.Exchange(ref _reconnecting, 1) == 0)
        {
            _ = ReconnectAsync();
        }
    }

    /// <summary>
    /// Every <see cref="PostgresJournalOptions.ReconnectInterval"/>, a probe on the write
    /// connection, queued like a write so that it never overlaps a group; the first that
    /// succeeds puts the journal back in service.
    /// </summary>
    private async Task ReconnectAsync()
    {
        try
        {
            while (true)
            {
                await Task.Delay(_options.ReconnectInterval, _closing.Token).ConfigureAwait(false);
                var probe = new Probe();
                _writes.Submit(probe, this);
                if (await probe.Task.ConfigureAwait(false) is Exception failure)
                {
                    _availability.MarkUnreachable(failure);
                    continue;
                }

                _availability.MarkReachable();
                JournalLog.PostgresReachable(_logger);
                return;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
            // The journal is closing.
        }
        finally
        {
            Volatile.Write(ref _reconnecting, 0);
        }
    }

    private static object[] Outcomes(int count, Exception failure)
    {
        var outcomes = new object[count];
        Array.Fill(outcomes, failure);
        return outcomes;
    }

    public override string ToString() => $"PostgresJournal({_schema})";
}
