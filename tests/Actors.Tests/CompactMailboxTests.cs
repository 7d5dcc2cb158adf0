using Akka.Actor;
using Akka.Dispatch;
using Xunit;

namespace EventActors.Actors.Tests;

/// <summary>The mailbox of the actors there is one of per stream: order, concurrency, and an actor that uses it.</summary>
public sealed class CompactMailboxTests : ActorTest
{
    private static Envelope EnvelopeOf(object message) => new(message, ActorRefs.NoSender);

    [Fact]
    public void Messages_come_out_in_the_order_they_went_in_and_a_drained_queue_takes_more()
    {
        var queue = new CompactMailbox.MessageQueue();
        Assert.False(queue.HasMessages);
        Assert.False(queue.TryDequeue(out _));

        for (var round = 0; round < 3; round++)
        {
            // 100 messages grow the queue past what it keeps once drained: it is let go and made again.
            for (var i = 0; i < 100; i++)
            {
                queue.Enqueue(ActorRefs.Nobody, EnvelopeOf(i));
            }

            Assert.Equal(100, queue.Count);
            for (var i = 0; i < 100; i++)
            {
                Assert.True(queue.TryDequeue(out var envelope));
                Assert.Equal(i, envelope.Message);
            }

            Assert.False(queue.HasMessages);
            Assert.False(queue.TryDequeue(out _));
        }
    }

    [Fact]
    public void Envelopes_put_back_in_front_come_out_first_in_the_order_put_back()
    {
        var queue = new CompactMailbox.MessageQueue();
        for (var i = 10; i < 20; i++)
        {
            queue.Enqueue(ActorRefs.Nobody, EnvelopeOf(i));
        }

        // As an unstash does it: the stashed envelopes, last first, go in front of the mailbox.
        for (var i = 9; i >= 0; i--)
        {
            queue.EnqueueFirst(EnvelopeOf(i));
        }

        Assert.Equal(20, queue.Count);
        for (var i = 0; i < 20; i++)
        {
            Assert.True(queue.TryDequeue(out var envelope));
            Assert.Equal(i, envelope.Message);
        }

        Assert.False(queue.HasMessages);
    }

    [Fact]
    public void An_actor_with_a_stash_can_use_it()
    {
        var stashing = Sys.ActorOf(Props.Create(() => new StashUntilOpen()).WithMailbox(CompactMailbox.Id));
        for (var i = 0; i < 100; i++)
        {
            stashing.Tell(i, TestActor);
        }

        stashing.Tell("open", TestActor);
        for (var i = 0; i < 100; i++)
        {
            ExpectMsg(i);
        }
    }

    [Fact]
    public async Task Concurrent_senders_lose_nothing_and_each_one_s_messages_stay_in_order()
    {
        var queue = new CompactMailbox.MessageQueue();
        const int Senders = 4, PerSender = 50_000;
        var received = new List<(int Sender, int Index)>(Senders * PerSender);
        var producing = Enumerable.Range(0, Senders).Select(sender => Task.Run(() =>
        {
            for (var i = 0; i < PerSender; i++)
            {
                queue.Enqueue(ActorRefs.Nobody, EnvelopeOf((sender, i)));
            }
        })).ToArray();

        // One consumer, as an actor's mailbox has, taking while the senders still send; once they
        // are done, whatever is left. A lost message shows as a shorter list, not a hang.
        var done = Task.WhenAll(producing);
        while (!done.IsCompleted || queue.HasMessages)
        {
            if (queue.TryDequeue(out var envelope))
            {
                received.Add(((int, int))envelope.Message);
            }
        }

        await done;
        Assert.Equal(Senders * PerSender, received.Count);
        Assert.False(queue.HasMessages);
        foreach (var sender in Enumerable.Range(0, Senders))
        {
            Assert.Equal(Enumerable.Range(0, PerSender), received.Where(r => r.Sender == sender).Select(r => r.Index));
        }
    }

    [Fact]
    public void An_actor_with_the_compact_mailbox_receives_and_answers()
    {
        var echo = Sys.ActorOf(Props.Create(() => new Echo()).WithMailbox(CompactMailbox.Id));
        for (var i = 0; i < 1000; i++)
        {
            echo.Tell(i, TestActor);
        }

        for (var i = 0; i < 1000; i++)
        {
            ExpectMsg(i);
        }
    }

    private sealed class StashUntilOpen : UntypedActor, IWithUnboundedStash
    {
        public IStash Stash { get; set; } = null!;

        protected override void OnReceive(object message)
        {
            if (message is "open")
            {
                Stash.UnstashAll();
                Become(Sender.Tell);
            }
            else
            {
                Stash.Stash();
            }
        }
    }

    private sealed class Echo : UntypedActor
    {
        protected override void OnReceive(object message) => Sender.Tell(message);
    }
}
