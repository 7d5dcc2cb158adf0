using Microsoft.Data.Sqlite;

namespace EventActors.Actors.Journal;

/// <summary>
/// Copies committed WAL pages back into the database file on a thread and connection of its own,
/// so that the writer's commits only ever append to the WAL and never stall for a checkpoint.
/// </summary>
/// <remarks>
/// SQLite's automatic checkpoint runs inside the commit that crosses its threshold, so every
/// thousandth page or so one append waits for the copy and (under both synchronous modes) the
/// database file's fsync. A PASSIVE checkpoint from another connection runs alongside the writer
/// and the readers and blocks neither. It cannot, though, finish while the writer keeps adding
/// pages, so the writer keeps a higher automatic threshold that completes the checkpoint (copying
/// only what this thread has not) and lets the WAL start over.
/// </remarks>
internal sealed class SqliteCheckpointer : IDisposable
{
    /// <summary>
    /// Shortest pause between two checkpoints, in milliseconds. Each checkpoint ends with an
    /// fsync of the database file; this keeps their rate bounded (at most 20 a second) under a
    /// stream of small commits while the WAL still stays at a few MiB.
    /// </summary>
    private const int MinimumIntervalMs = 50;

    private readonly SqliteConnection _connection;
    private readonly SemaphoreSlim _nudged = new(0, 1);
    private readonly ManualResetEventSlim _stopping = new();
    private readonly Thread _thread;

    public SqliteCheckpointer(string connectionString)
    {
        _connection = new SqliteConnection(connectionString);
        _connection.Open();
        _thread = new Thread(Run) { IsBackground = true, Name = "sqlite-journal-checkpointer" };
        _thread.Start();
    }

    /// <summary>Says a commit happened; any thread, never blocks.</summary>
    public void Nudge()
    {
        if (_nudged.CurrentCount == 0)
        {
            try
            {
                _nudged.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another commit nudged at the same moment: one checkpoint serves both.
            }
        }
    }

    public void Dispose()
    {
        _stopping.Set();
        Nudge();
        _thread.Join();
        _nudged.Dispose();
        _stopping.Dispose();
        SqliteConnection.ClearPool(_connection);
        _connection.Dispose();
    }

    private void Run()
    {
        using var checkpoint = _connection.CreateCommand();
        checkpoint.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
        while (true)
        {
            _nudged.Wait();
            if (_stopping.IsSet)
            {
                return;
            }

            try
            {
                checkpoint.ExecuteNonQuery();
            }
            catch (SqliteException)
            {
                // A busy or failed checkpoint loses nothing: the pages stay in the WAL and the
                // next one, or the writer's automatic checkpoint, copies them.
            }

            // The pause, cut short when the journal closes.
            if (_stopping.Wait(MinimumIntervalMs))
            {
                return;
            }
        }
    }
}
