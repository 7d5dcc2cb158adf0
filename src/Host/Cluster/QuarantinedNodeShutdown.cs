using Akka.Actor;
using Akka.Event;
using Akka.Remote;

namespace EventActors.Host.Cluster;

/// <summary>
/// Shuts the node down, as downed (exit code 1), when another node tells it that it has been
/// quarantined: the other members downed and removed this node while they could not reach it
/// (a network partition this node's failure detector has not noticed, a long pause) and will
/// never talk to this incarnation again.
/// </summary>
/// <remarks>
/// Akka.Cluster learns this only through its own failure detector, which may take far longer,
/// and until then the node keeps serving as the owner of topics the others have re-homed: its
/// writes are fenced by the journal, but its streams see nothing of the others' events. A
/// supervisor starts it again as a new member.
/// </remarks>
internal sealed class QuarantinedNodeShutdown : UntypedActor
{
    public static Props Props() => Akka.Actor.Props.Create(() => new QuarantinedNodeShutdown());

    protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(ThisActorSystemQuarantinedEvent));

    protected override void OnReceive(object message)
    {
        if (message is not ThisActorSystemQuarantinedEvent quarantined)
        {
            Unhandled(message);
            return;
        }

        Context.GetLogger().Error("{0} quarantined this node: the cluster removed it. Shutting down (exit code 1) to be started again as a new member.",
            quarantined.RemoteAddress);
        Context.Stop(Self); // once is enough
        _ = CoordinatedShutdown.Get(Context.System).Run(CoordinatedShutdown.ClusterDowningReason.Instance);
    }
}
