using Akka.Configuration;
using EventActors.Host.Configuration;

namespace EventActors.Host.Storage;

/// <summary>
/// The <c>EventActors.AkkaSql</c> section: where the <c>akka-sql</c> journal (Akka.Persistence.Sql)
/// keeps topics, for users who run another database or an existing Akka.Persistence.Sql one.
/// </summary>
public sealed class AkkaSqlOptions
{
    public const string Section = "AkkaSql";

    /// <summary>The linq2db provider name (<c>SQLite.MS</c>, <c>PostgreSQL15</c>, ...): the database's dialect (<c>--akka-sql-provider</c>).</summary>
    public required string ProviderName { get; init; }

    /// <summary>The database's ADO.NET connection string (<c>--akka-sql</c>); empty with a SQLite provider: <c>akka-sql.db</c> under DataDir.</summary>
    public required string ConnectionString { get; init; }

    /// <summary>The providers whose drivers ship with the node (Microsoft.Data.Sqlite, Npgsql); others would fail at the first write, so they are refused at start.</summary>
    public static readonly string[] ShippedProviderPrefixes = ["SQLite.MS", "PostgreSQL"];

    public bool IsSqlite => ProviderName.StartsWith("SQLite", StringComparison.OrdinalIgnoreCase);

    internal static AkkaSqlOptions Read(SettingsReader settings)
    {
        var options = new AkkaSqlOptions
        {
            ProviderName = settings.String(nameof(ProviderName)),
            ConnectionString = settings.String(nameof(ConnectionString)),
        };
        settings.RefuseUnread();
        return options;
    }

    /// <summary>Checks what the <c>akka-sql</c> journal needs; only called when it is the one chosen.</summary>
    /// <exception cref="ConfigurationException">A value is missing or not usable; the message names its key.</exception>
    public void Validate()
    {
        Require(ShippedProviderPrefixes.Any(prefix => ProviderName.StartsWith(prefix, StringComparison.Ordinal)), nameof(ProviderName),
            $"must be a provider whose driver ships with the node ({string.Join(", ", ShippedProviderPrefixes.Select(p => p + "*"))}: SQLite.MS, PostgreSQL15, ...), not '{ProviderName}'; " +
            "on the command line: --journal akka-sql --akka-sql-provider PostgreSQL15 --akka-sql \"<connection string>\"");
        Require(IsSqlite || !string.IsNullOrWhiteSpace(ConnectionString), nameof(ConnectionString),
            $"must be the database's connection string when the provider is {ProviderName}; on the command line: --akka-sql \"<connection string>\"");
    }

    private static void Require(bool condition, string key, string rule)
    {
        if (!condition)
        {
            throw new ConfigurationException($"Configuration {ServerOptions.Section}:{Section}:{key} {rule}");
        }
    }
}
