using Microsoft.Extensions.Logging;

namespace EventActors.Actors.Journal;

/// <summary>The journal's log messages, source-generated so that disabled levels cost nothing.</summary>
internal static partial class JournalLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "SQLite journal opened at {Path} (synchronous = {Synchronous}, SQLite {SqliteVersion})")]
    public static partial void Opened(ILogger logger, string path, SqliteSynchronousMode synchronous, string sqliteVersion);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Error, Message = "A group commit of {Writes} writes failed; none of them was committed")]
    public static partial void GroupFailed(ILogger logger, Exception cause, int writes);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "The journal writer stopped with {Writes} writes unfinished; they were failed")]
    public static partial void StoppedWithWritesPending(ILogger logger, int writes);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "SQLite journal at {Path} closed")]
    public static partial void Closed(ILogger logger, string path);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Information, Message = "PostgreSQL journal opened on {Host}/{Database}, schema {Schema} (schema version {Before} -> {Version}, PostgreSQL {ServerVersion})")]
    public static partial void PostgresOpened(ILogger logger, string host, string database, string schema, int before, int version, string serverVersion);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Error, Message = "The PostgreSQL journal lost its database; {Writes} writes failed (outcome unknown: {OutcomeUnknown}). Writes fail at once until it is back")]
    public static partial void PostgresUnreachable(ILogger logger, Exception cause, int writes, bool outcomeUnknown);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Warning, Message = "The PostgreSQL journal reached its database again; writes are accepted")]
    public static partial void PostgresReachable(ILogger logger);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Information, Message = "PostgreSQL journal (schema {Schema}) closed")]
    public static partial void PostgresClosed(ILogger logger, string schema);
}
