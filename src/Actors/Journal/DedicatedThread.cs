using System.Collections.Concurrent;

namespace EventActors.Actors.Journal;

/// <summary>
/// Runs work one item at a time on a thread of its own. The journal's commits block on disk
/// (fsync under <c>synchronous = FULL</c>); on a thread of their own they never hold one of the
/// thread pool's few threads, which run the actors.
/// </summary>
internal sealed class DedicatedThread : IDisposable
{
    private readonly BlockingCollection<Action> _work = new();
    private readonly Thread _thread;

    public DedicatedThread(string name)
    {
        // A background thread: a process that exits does not wait for it, and a process that is
        // killed mid-commit leaves SQLite's WAL to roll the commit back or forward on next open.
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>
    /// Queues <paramref name="work"/>. The task completes on this thread, so continuations that
    /// must not run here are the caller's to make asynchronous.
    /// </summary>
    public Task<T> Run<T>(Func<T> work)
    {
        var completion = new TaskCompletionSource<T>();
        _work.Add(() =>
        {
            T result;
            try
            {
                result = work();
            }
            catch (Exception failure)
            {
                completion.SetException(failure);
                return;
            }

            completion.SetResult(result);
        });
        return completion.Task;
    }

    /// <summary>Runs what is queued, then ends the thread; waits for it unless called from it.</summary>
    public void Dispose()
    {
        _work.CompleteAdding();
        if (Thread.CurrentThread != _thread)
        {
            _thread.Join();
        }
    }

    private void Run()
    {
        foreach (var item in _work.GetConsumingEnumerable())
        {
            item();
        }

        // Disposed here, by its only consumer, once nothing can be taken from it any more.
        _work.Dispose();
    }
}
