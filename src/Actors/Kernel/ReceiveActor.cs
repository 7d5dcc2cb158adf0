namespace EventActors.Actors.Kernel;

/// <summary>
/// An actor whose behaviour is a list of typed handlers, registered in its constructor (or in
/// <see cref="Become(Action)"/>) and tried in registration order.
/// </summary>
public abstract class ReceiveActor : ActorBase
{
    private HandlerSet _building = new();
    private readonly HandlerSet _initial;

    protected ReceiveActor()
    {
        _initial = _building;
    }

    protected internal sealed override bool Receive(object message) => _initial.Handle(message);

    protected void Receive<T>(Action<T> handler, Predicate<T>? shouldHandle = null) =>
        _building.Add(new SyncHandler<T>(handler ?? throw new ArgumentNullException(nameof(handler)), shouldHandle));

    protected void Receive<T>(Predicate<T> shouldHandle, Action<T> handler) => Receive(handler, shouldHandle);

    /// <summary>
    /// An async handler. The actor takes no other message until the returned task completes, and
    /// the code after each <c>await</c> runs inside the actor (Self and Sender still valid), as in
    /// Akka.NET.
    /// </summary>
    protected void ReceiveAsync<T>(Func<T, Task> handler, Predicate<T>? shouldHandle = null) =>
        _building.Add(new AsyncHandler<T>(Cell, handler ?? throw new ArgumentNullException(nameof(handler)), shouldHandle));

    protected void ReceiveAsync<T>(Predicate<T> shouldHandle, Func<T, Task> handler) => ReceiveAsync(handler, shouldHandle);

    protected void ReceiveAny(Action<object> handler) => Receive(handler);

    protected void ReceiveAnyAsync(Func<object, Task> handler) => ReceiveAsync(handler);

    /// <summary>Replaces the behaviour with the handlers that <paramref name="configure"/> registers.</summary>
    protected void Become(Action configure) => Context.Become(Build(configure));

    /// <summary>Pushes the handlers that <paramref name="configure"/> registers; <see cref="UnbecomeStacked"/> pops them.</summary>
    protected void BecomeStacked(Action configure) => Context.BecomeStacked(Build(configure));

    protected void UnbecomeStacked() => Context.UnbecomeStacked();

    /// <summary>The same as <see cref="UnbecomeStacked"/>, under its older Akka.NET name.</summary>
    protected void Unbecome() => Context.UnbecomeStacked();

    private Receive Build(Action configure)
    {
        var previous = _building;
        var handlers = new HandlerSet();
        _building = handlers;
        try
        {
            configure();
        }
        finally
        {
            _building = previous;
        }

        return handlers.Handle;
    }

    private sealed class HandlerSet
    {
        private Handler[] _handlers = [];

        public void Add(Handler handler) => _handlers = [.. _handlers, handler];

        public bool Handle(object message)
        {
            foreach (var handler in _handlers)
            {
                if (handler.TryHandle(message))
                {
                    return true;
                }
            }

            return false;
        }
    }

    private abstract class Handler
    {
        public abstract bool TryHandle(object message);
    }

    private sealed class SyncHandler<T>(Action<T> handler, Predicate<T>? shouldHandle) : Handler
    {
        public override bool TryHandle(object message)
        {
            if (message is T typed && (shouldHandle is null || shouldHandle(typed)))
            {
                handler(typed);
                return true;
            }

            return false;
        }
    }

    private sealed class AsyncHandler<T>(ActorCell cell, Func<T, Task> handler, Predicate<T>? shouldHandle) : Handler
    {
        public override bool TryHandle(object message)
        {
            if (message is T typed && (shouldHandle is null || shouldHandle(typed)))
            {
                cell.RunAsyncHandler(typed, handler);
                return true;
            }

            return false;
        }
    }
}
