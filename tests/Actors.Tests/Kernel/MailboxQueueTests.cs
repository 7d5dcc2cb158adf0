using EventActors.Actors.Kernel;
using Xunit;

namespace EventActors.Actors.Tests.Kernel;

public sealed class MailboxQueueTests
{
    [Fact]
    public void Items_come_out_in_the_order_they_went_in_across_ring_growth()
    {
        var queue = new MailboxQueue<int>();
        for (var i = 0; i < 10_000; i++)
        {
            queue.Enqueue(i);
        }

        for (var i = 0; i < 10_000; i++)
        {
            Assert.True(queue.TryDequeue(out var item));
            Assert.Equal(i, item);
        }

        Assert.False(queue.TryDequeue(out _));
        Assert.False(queue.HasItems);
    }

    [Fact]
    public void Interleaved_enqueue_and_dequeue_keep_fifo_order()
    {
        var queue = new MailboxQueue<int>();
        var next = 0;
        var expected = 0;
        for (var round = 0; round < 1_000; round++)
        {
            for (var i = 0; i < round % 7 + 1; i++)
            {
                queue.Enqueue(next++);
            }

            for (var i = 0; i < round % 5 + 1 && queue.TryDequeue(out var item); i++)
            {
                Assert.Equal(expected++, item);
            }
        }

        while (queue.TryDequeue(out var item))
        {
            Assert.Equal(expected++, item);
        }

        Assert.Equal(next, expected);
    }

    [Fact]
    public async Task Concurrent_producers_lose_nothing_and_each_producer_order_is_kept()
    {
        const int producers = 4;
        const int perProducer = 250_000;
        var queue = new MailboxQueue<(int Producer, int Index)>();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = Enumerable.Range(0, producers).Select(p => Task.Run(async () =>
        {
            await start.Task;
            for (var i = 0; i < perProducer; i++)
            {
                queue.Enqueue((p, i));
            }
        })).ToArray();

        var lastSeen = Enumerable.Repeat(-1, producers).ToArray();
        var received = 0;
        start.SetResult();
        var all = Task.WhenAll(tasks);
        while (received < producers * perProducer)
        {
            if (queue.TryDequeue(out var item))
            {
                Assert.Equal(lastSeen[item.Producer] + 1, item.Index);
                lastSeen[item.Producer] = item.Index;
                received++;
            }
            else if (all.IsFaulted)
            {
                await all;
            }
        }

        await all;
        Assert.All(lastSeen, last => Assert.Equal(perProducer - 1, last));
        Assert.False(queue.TryDequeue(out _));
    }
}
