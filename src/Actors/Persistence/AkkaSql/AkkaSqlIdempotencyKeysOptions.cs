using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EventActors.Actors.Persistence.AkkaSql;

/// <summary>
/// Settings of <see cref="AkkaSqlIdempotencyKeys"/>: where Akka.Persistence.Sql keeps its journal
/// (the keys' table goes into the same database) and how long keys count. Every setting but the
/// provider and the connection string has a default; <see cref="Validate"/> names the one that is wrong.
/// </summary>
public sealed partial record AkkaSqlIdempotencyKeysOptions
{
    /// <summary>Akka.Persistence.Sql's read journal, the plugin id its HOCON is under.</summary>
    public const string DefaultReadJournalPluginId = "akka.persistence.query.journal.sql";

    /// <summary>
    /// The linq2db provider name, the same as the journal's <c>provider-name</c>
    /// (<c>SQLite.MS</c>, <c>PostgreSQL15</c>, <c>SqlServer.2019</c>, <c>MySql</c>...). No default:
    /// the host says which database it uses.
    /// </summary>
    public required string ProviderName { get; init; }

    /// <summary>The connection string, the same as the journal's <c>connection-string</c>. No default.</summary>
    public required string ConnectionString { get; init; }

    /// <summary>
    /// The schema that holds the keys' table, or null for the connection's default. It must exist
    /// (nothing here creates schemas, as Akka.Persistence.Sql does not). Lower-case letters, digits
    /// and <c>_</c>, starting with a letter or <c>_</c>, so that no provider needs it quoted.
    /// </summary>
    public string? Schema { get; init; }

    /// <summary>
    /// The plugin id of the read journal that verifies a key against its event
    /// (<see cref="DefaultReadJournalPluginId"/>). It must read the journal the topics write to.
    /// </summary>
    public string ReadJournalPluginId { get; init; } = DefaultReadJournalPluginId;

    /// <summary>How long an idempotency key counts after it was recorded (24 hours), as in our journals.</summary>
    public TimeSpan IdempotencyWindow { get; init; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How often expired keys are deleted (5 minutes). Expired keys are ignored by lookups anyway;
    /// purging only keeps the table to about one window's worth of keys.
    /// </summary>
    public TimeSpan PurgeInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// About how many expired keys one purge statement deletes (10,000); a backlog takes several.
    /// Keeps each delete, and the locks it holds against concurrent records, short.
    /// </summary>
    public int PurgeBatchSize { get; init; } = 10_000;

    /// <summary>The clock for recording times and the window; tests pass a manual one.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where failures of the background purge are logged; none by default.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that is out of range.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ProviderName))
        {
            throw Invalid(nameof(ProviderName), "must be a linq2db provider name (as Akka.Persistence.Sql's provider-name)", ProviderName);
        }

        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            throw Invalid(nameof(ConnectionString), "must be a connection string (as Akka.Persistence.Sql's connection-string)", ConnectionString);
        }

        if (Schema is not null && !SchemaName().IsMatch(Schema))
        {
            throw Invalid(nameof(Schema), "must be null or lower-case letters, digits and '_', starting with a letter or '_', at most 63 characters", Schema);
        }

        if (string.IsNullOrWhiteSpace(ReadJournalPluginId))
        {
            throw Invalid(nameof(ReadJournalPluginId), "must be a read journal's plugin id", ReadJournalPluginId);
        }

        if (IdempotencyWindow <= TimeSpan.Zero)
        {
            throw Invalid(nameof(IdempotencyWindow), "must be positive", IdempotencyWindow);
        }

        if (PurgeInterval <= TimeSpan.Zero)
        {
            throw Invalid(nameof(PurgeInterval), "must be positive", PurgeInterval);
        }

        if (PurgeBatchSize < 1)
        {
            throw Invalid(nameof(PurgeBatchSize), "must be at least 1", PurgeBatchSize);
        }

        if (TimeProvider is null)
        {
            throw Invalid(nameof(TimeProvider), "must be set", "null");
        }

        if (LoggerFactory is null)
        {
            throw Invalid(nameof(LoggerFactory), "must be set", "null");
        }
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex SchemaName();

    private static ArgumentException Invalid(string name, string rule, object? value) =>
        new($"AkkaSqlIdempotencyKeysOptions.{name} {rule}; it is {value ?? "null"}.", name);
}
