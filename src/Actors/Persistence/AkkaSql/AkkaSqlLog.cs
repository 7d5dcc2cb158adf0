using Microsoft.Extensions.Logging;

namespace EventActors.Actors.Persistence.AkkaSql;

/// <summary>The log messages of <see cref="AkkaSqlIdempotencyKeys"/>, source-generated so that disabled levels cost nothing.</summary>
internal static partial class AkkaSqlLog
{
    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Idempotency keys for Akka.Persistence.Sql: table {Table} on {Provider}, window {Window}, verified through {ReadJournal}")]
    public static partial void Opened(ILogger logger, string table, string provider, TimeSpan window, string readJournal);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Debug, Message = "The index {Index} could not be created; it most likely exists already (purging is slower without it)")]
    public static partial void IndexNotCreated(ILogger logger, Exception cause, string index);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Debug, Message = "Purged {Keys} idempotency keys recorded before {Cutoff}")]
    public static partial void Purged(ILogger logger, int keys, DateTimeOffset cutoff);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Warning, Message = "Purging expired idempotency keys failed; the next purge tries again (expired keys are ignored meanwhile)")]
    public static partial void PurgeFailed(ILogger logger, Exception cause);
}
