using EventActors.Actors.Kernel;

namespace EventActors.Actors.Connections;

/// <summary>
/// Parent of every connection actor. A connection that fails is stopped, never restarted: a
/// new instance would subscribe again from the client's original position and repeat events.
/// Stopping ends the response; the browser reconnects with its Last-Event-ID and resumes exactly.
/// </summary>
public sealed class ConnectionSupervisor : ReceiveActor
{
    private int _open;

    public ConnectionSupervisor()
    {
        Receive<Open>(open =>
        {
            Sender.Tell(Context.Watch(Context.ActorOf(open.Props)));
            _open++;
        });
        Receive<Terminated>(_ => _open--);
        Receive<GetOpenCount>(_ => Sender.Tell(_open));
        Receive<DropAll>(_ =>
        {
            foreach (var connection in Context.Children)
            {
                connection.Tell(ConnectionActor.ClientGone.Instance, Self);
            }

            Sender.Tell(_open);
        });
    }

    public static Props Props() => Kernel.Props.Create(() => new ConnectionSupervisor());

    protected override SupervisorStrategy SupervisorStrategy() => Kernel.SupervisorStrategy.StoppingStrategy;

    /// <summary>Starts a connection actor; answered with its <see cref="IActorRef"/>.</summary>
    public sealed record Open(Props Props);

    /// <summary>
    /// Ends every open stream (answered with how many were open). Their clients reconnect and
    /// resume with Last-Event-ID: how to drain a node before maintenance.
    /// </summary>
    public sealed record DropAll
    {
        public static readonly DropAll Instance = new();
    }

    /// <summary>Answered with the number of open connections (an int).</summary>
    public sealed record GetOpenCount
    {
        public static readonly GetOpenCount Instance = new();
    }
}
