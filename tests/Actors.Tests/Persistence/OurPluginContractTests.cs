using Akka.Actor;
using EventActors.Actors.Journal;
using Xunit;

namespace EventActors.Actors.Tests.Persistence;

/// <summary>
/// What our plugins promise beyond the shared contract: what they cannot store is rejected
/// whole (nothing written), an idempotency key is never written twice, and a writer that had a
/// write rejected is fenced until it recovers the stored head.
/// </summary>
public abstract class OurPluginContractTests : PluginContractTests
{
    /// <summary>The largest event the test journals accept.</summary>
    protected const int MaxEventBytes = 1024;

    [Fact]
    public async Task A_batch_with_an_event_over_the_limit_is_rejected_whole()
    {
        var writer = Start("news.big");
        writer.Tell(new PluginWriter.Write([PluginWriter.Event("fits"), new NewEvent(new byte[MaxEventBytes + 1])]));

        Assert.IsType<PluginWriter.PersistRejected>(Kit.ExpectMsg<object>());
        Assert.IsType<PluginWriter.PersistRejected>(Kit.ExpectMsg<object>());
        var recovered = await RestartAsync(writer, "news.big");
        Assert.Empty(recovered.Events);
        Assert.Equal(0, recovered.LastSequence);
    }

    [Fact]
    public async Task A_recorded_idempotency_key_is_refused_and_the_writer_fenced_until_it_recovers()
    {
        var writer = Start("orders.eu");
        writer.Tell(new PluginWriter.Write([new NewEvent("first"u8.ToArray(), idempotencyKey: "order-1")]));
        Assert.Equal(1, Kit.ExpectMsg<PluginWriter.Written>().LastSequence);

        writer.Tell(new PluginWriter.Write([new NewEvent("again"u8.ToArray(), idempotencyKey: "order-1")]));
        var rejected = Assert.IsType<PluginWriter.PersistRejected>(Kit.ExpectMsg<object>());
        Assert.IsType<DuplicateKeyException>(rejected.Cause);

        // Akka numbered the rejected event 2; the journal's head is 1: the next write is a conflict.
        writer.Tell(PluginWriter.Write.Of("next"));
        Assert.IsType<PluginWriter.PersistFailed>(Kit.ExpectMsg<object>());

        var restarted = Start("orders.eu", out var recovered);
        Assert.Equal([(1L, "first")], recovered.Events);
        Assert.Equal(2, await WriteAsync(restarted, "next"));
    }

    [Fact]
    public async Task A_payload_that_is_not_a_topic_event_is_rejected()
    {
        var writer = Sys().ActorOf(Akka.Actor.Props.Create(() => new ForeignWriter("news.foreign", Kit.TestActor)));
        Kit.ExpectMsg<string>("recovered");
        writer.Tell("a string, not a NewEvent");
        Assert.IsType<ArgumentException>(Kit.ExpectMsg<Exception>());
        var recovered = await RecoverAsync("news.foreign");
        Assert.Empty(recovered.Events);
    }

    private Akka.Actor.ActorSystem Sys() => Kit.Sys;

    private sealed class ForeignWriter : Akka.Persistence.ReceivePersistentActor
    {
        private readonly Akka.Actor.IActorRef _probe;

        public ForeignWriter(string persistenceId, Akka.Actor.IActorRef probe)
        {
            PersistenceId = persistenceId;
            _probe = probe;
            Recover<Akka.Persistence.RecoveryCompleted>(_ => _probe.Tell("recovered"));
            Command<string>(text => Persist(text, _ => _probe.Tell("written")));
        }

        public override string PersistenceId { get; }

        protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr) => _probe.Tell(cause);
    }
}
