using Akka.Actor;

namespace EventActors.Actors.Connections;

/// <summary>
/// Parent of every connection actor. A connection that fails is stopped, never restarted: a
/// new instance would subscribe again from the client's original position and repeat events.
/// Stopping ends the response; the browser reconnects with its Last-Event-ID and resumes exactly.
/// </summary>
public sealed class ConnectionSupervisor : ReceiveActor
{
    private int _open;
    private bool _closed;
    private readonly List<IActorRef> _awaitingClose = [];

    public ConnectionSupervisor()
    {
        Receive<Open>(open =>
        {
            if (_closed)
            {
                open.Lifetime.End(); // shutting down: the response ends and the client reconnects elsewhere
                return;
            }

            Context.ActorOf(open.Props); // not watched: the supervisor strategy hears of its end
            _open++;
        });
        Receive<GetOpenCount>(_ => Sender.Tell(new OpenCount(_open)));
        Receive<DropAll>(_ => Sender.Tell(new Dropped(DropEveryConnection())));
        Receive<Close>(_ =>
        {
            _closed = true;
            // Stopped, not told ClientGone: a stop is a system message, taken even while a
            // connection waits on a flush to a client that does not read.
            foreach (var connection in Context.GetChildren())
            {
                Context.Stop(connection);
            }

            _awaitingClose.Add(Sender);
            AnswerCloseWhenEmpty();
        });
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new ConnectionSupervisor());

    protected override SupervisorStrategy SupervisorStrategy() => new StopAndCountEnded(this);

    private void OnConnectionEnded()
    {
        _open--;
        AnswerCloseWhenEmpty();
    }

    /// <summary>
    /// Akka's stopping strategy, which also hears of every child's end (Akka tells a parent's
    /// strategy, on the parent's own thread, whether it watches the child or not). The supervisor
    /// does not watch its connections: a second watcher (the topic or feed watches each stream)
    /// would turn each idle connection actor's death-watch state from one field into three
    /// dictionaries, ~600 B a stream.
    /// </summary>
    private sealed class StopAndCountEnded(ConnectionSupervisor supervisor) : OneForOneStrategy(_ => Directive.Stop)
    {
        public override void HandleChildTerminated(IActorContext actorContext, IActorRef child, IEnumerable<IInternalActorRef> children) =>
            supervisor.OnConnectionEnded();
    }

    private int DropEveryConnection()
    {
        foreach (var connection in Context.GetChildren())
        {
            connection.Tell(ConnectionActor.ClientGone.Instance, Self);
        }

        return _open;
    }

    private void AnswerCloseWhenEmpty()
    {
        if (!_closed || _open > 0)
        {
            return;
        }

        foreach (var waiting in _awaitingClose)
        {
            waiting.Tell(Closed.Instance);
        }

        _awaitingClose.Clear();
    }

    /// <summary>
    /// Starts a connection actor for a response that waits on <paramref name="Lifetime"/>. Not
    /// answered: the actor attaches itself to the lifetime, and a closed supervisor ends it.
    /// A local message (it carries the response's lifetime): connections live on the node that
    /// holds their socket.
    /// </summary>
    public sealed record Open(Props Props, StreamLifetime Lifetime);

    /// <summary>
    /// Ends every open stream (answered with <see cref="Dropped"/>). Their clients reconnect and
    /// resume with Last-Event-ID: how to drain a node before maintenance.
    /// </summary>
    public sealed record DropAll
    {
        public static readonly DropAll Instance = new();
    }

    /// <summary>How many streams <see cref="DropAll"/> ended.</summary>
    public sealed record Dropped(int Count);

    /// <summary>
    /// Ends every open stream and ends each new one at once (shutdown); answered with
    /// <see cref="Closed"/> once no stream is open.
    /// </summary>
    public sealed record Close
    {
        public static readonly Close Instance = new();
    }

    /// <summary>The answer to <see cref="Close"/>.</summary>
    public sealed record Closed
    {
        public static readonly Closed Instance = new();
    }

    /// <summary>Answered with <see cref="OpenCount"/>.</summary>
    public sealed record GetOpenCount
    {
        public static readonly GetOpenCount Instance = new();
    }

    public sealed record OpenCount(int Count);
}
