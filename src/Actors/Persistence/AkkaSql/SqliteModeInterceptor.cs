using System.Data.Common;
using EventActors.Actors.Journal;
using LinqToDB.Interceptors;

namespace EventActors.Actors.Persistence.AkkaSql;

/// <summary>
/// Puts every SQLite connection Akka.Persistence.Sql opens into WAL mode with the node's
/// <c>synchronous</c>: the durability our SQLite journal has, so that the two are compared on
/// equal terms and a user who switches loses none of it. Give it to Akka.Persistence.Sql in its
/// <c>DataOptions</c> (the host through Akka.Persistence.Sql.Hosting, the persist benchmark
/// through a <c>MultiDataOptionsSetup</c>), so both open their connections the same way.
/// </summary>
public sealed class SqliteModeInterceptor(SqliteSynchronousMode synchronous) : ConnectionInterceptor
{
    private readonly string _pragmas = $"PRAGMA journal_mode = WAL; PRAGMA synchronous = {(synchronous == SqliteSynchronousMode.Full ? "FULL" : "NORMAL")};";

    public override void ConnectionOpened(ConnectionEventData eventData, DbConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = _pragmas;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(ConnectionEventData eventData, DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = _pragmas;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
