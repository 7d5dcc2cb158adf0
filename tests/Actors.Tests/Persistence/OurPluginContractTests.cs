using Akka.Actor;
using EventActors.Actors.Journal;
using Xunit;

namespace EventActors.Actors.Tests.Persistence;

/// <summary>
/// What our plugins promise beyond the shared contract: what they cannot store is rejected
/// whole (nothing written), idempotency keys are recorded with their events, and a writer that
/// had a write rejected is fenced until it recovers the stored head.
/// </summary>
public abstract class OurPluginContractTests : PluginContractTests
{
    /// <summary>The largest event the test journals accept.</summary>
    protected const int MaxEventBytes = 1024;

    /// <summary>The journal behind the plugins.</summary>
    protected abstract IEventJournal Journal { get; }

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
    public async Task Keys_are_recorded_with_their_events_and_a_later_event_with_the_same_key_replaces_the_record()
    {
        // The writer checks keys before it persists (Akka has numbered the events by then); the
        // journal records each with its event, in the same transaction.
        var writer = Start("orders.eu");
        writer.Tell(new PluginWriter.Write([new NewEvent("first"u8.ToArray(), idempotencyKey: "order-1"), PluginWriter.Event("no key")]));
        Assert.Equal(2, Kit.ExpectMsg<PluginWriter.Written>().LastSequence);
        var topic = Protocol.TopicName.Parse("orders.eu");
        Assert.Equal(1UL, (await Journal.FindIdempotencyKeysAsync(topic, ["order-1", "order-2"]))["order-1"]);

        writer.Tell(new PluginWriter.Write([new NewEvent("after a delete"u8.ToArray(), idempotencyKey: "order-1")]));
        Assert.Equal(3, Kit.ExpectMsg<PluginWriter.Written>().LastSequence);
        Assert.Equal(new Dictionary<string, ulong> { ["order-1"] = 3 }, await Journal.FindIdempotencyKeysAsync(topic, ["order-1", "order-2"]));
    }

    [Fact]
    public async Task A_writer_that_had_a_write_rejected_is_fenced_until_it_recovers_the_stored_head()
    {
        var writer = Start("orders.us");
        writer.Tell(PluginWriter.Write.Of("first"));
        Assert.Equal(1, Kit.ExpectMsg<PluginWriter.Written>().LastSequence);
        writer.Tell(new PluginWriter.Write([new NewEvent(new byte[MaxEventBytes + 1])]));
        Assert.IsType<PluginWriter.PersistRejected>(Kit.ExpectMsg<object>());

        // Akka numbered the rejected event 2; the journal's head is 1: the next write is a conflict.
        writer.Tell(PluginWriter.Write.Of("next"));
        Assert.IsType<PluginWriter.PersistFailed>(Kit.ExpectMsg<object>());

        var restarted = Start("orders.us", out var recovered);
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
