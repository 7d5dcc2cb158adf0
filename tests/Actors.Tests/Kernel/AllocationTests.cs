using EventActors.Actors.Kernel;
using Xunit;

namespace EventActors.Actors.Tests.Kernel;

/// <summary>The hot path does not allocate per message: counted in bytes, not timed.</summary>
public sealed class AllocationTests : TestKit.TestKit
{
    [Fact]
    public void A_warmed_mailbox_queue_enqueues_and_dequeues_without_allocating()
    {
        var queue = new MailboxQueue<Envelope>();
        var message = new object();
        for (var i = 0; i < 5_000; i++)
        {
            queue.Enqueue(new Envelope(message, null)); // grow to the largest ring (4,096 slots)
        }

        while (queue.TryDequeue(out _))
        {
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var round = 0; round < 100; round++)
        {
            for (var i = 0; i < 1_000; i++)
            {
                queue.Enqueue(new Envelope(message, null));
            }

            while (queue.TryDequeue(out _))
            {
            }
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>Releases the semaphore after every <c>window</c> messages.</summary>
    private sealed class Sink(int window, SemaphoreSlim handled) : ActorBase
    {
        private int _received;

        protected internal override bool Receive(object message)
        {
            if (++_received % window == 0)
            {
                handled.Release();
            }

            return true;
        }
    }

    [Fact]
    public async Task Telling_an_actor_allocates_less_than_a_byte_per_message_on_the_sending_thread()
    {
        // Windows of 1,000 keep the backlog inside one warmed ring: a backlog past the largest
        // ring (4,096) is the one case where the queue allocates, one ring per 4,096 messages.
        const int window = 1_000;
        const int windows = 200;
        using var handled = new SemaphoreSlim(0);
        var sink = Sys.ActorOf(Props.Create(() => new Sink(window, handled)));
        var message = new object();

        var allocated = await Task.Run(() =>
        {
            long total = 0;
            for (var w = -5; w < windows; w++) // the first five windows warm up the JIT and the ring
            {
                var before = GC.GetAllocatedBytesForCurrentThread();
                for (var i = 0; i < window; i++)
                {
                    sink.Tell(message, null);
                }

                if (w >= 0)
                {
                    total += GC.GetAllocatedBytesForCurrentThread() - before;
                }

                if (!handled.Wait(DefaultTimeout))
                {
                    throw new TimeoutException("the sink stopped handling messages");
                }
            }

            return total;
        });

        // A per-message allocation would be at least 24 bytes each (an object header alone).
        Assert.True(allocated < window * windows, $"{allocated} bytes allocated for {window * windows} messages");
    }
}
