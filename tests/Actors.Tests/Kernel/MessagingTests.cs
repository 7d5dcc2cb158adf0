using EventActors.Actors.Kernel;
using EventActors.TestKit;
using Xunit;

namespace EventActors.Actors.Tests.Kernel;

public sealed class MessagingTests : TestKit.TestKit
{
    private sealed class Echo : ReceiveActor
    {
        public Echo() => ReceiveAny(message => Sender.Tell(message));
    }

    private sealed class Recorder : ReceiveActor
    {
        public Recorder(IActorRef target) => ReceiveAny(message => target.Tell(message));
    }

    private sealed class Counter : ReceiveActor
    {
        private long _count;

        public Counter(long expected, TaskCompletionSource<long> done)
        {
            Receive<long>(_ =>
            {
                if (++_count == expected)
                {
                    done.SetResult(_count);
                }
            });
        }
    }

    [Fact]
    public void Messages_from_one_sender_to_one_receiver_arrive_in_send_order()
    {
        var recorder = Sys.ActorOf(Props.Create(() => new Recorder(TestActor)));
        for (var i = 0; i < 10_000; i++)
        {
            recorder.Tell(i);
        }

        for (var i = 0; i < 10_000; i++)
        {
            ExpectMsg(i);
        }
    }

    [Fact]
    public async Task A_million_messages_through_one_actor_arrive_with_none_lost()
    {
        const long total = 1_000_000;
        var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var counter = Sys.ActorOf(Props.Create(() => new Counter(total, done)));
        for (long i = 0; i < total; i++)
        {
            counter.Tell(i);
        }

        Assert.Equal(total, await done.Task.WaitAsync(DefaultTimeout * 3));
    }

    [Fact]
    public async Task Concurrent_senders_each_keep_their_order_and_nothing_is_lost()
    {
        const int senders = 8;
        const int perSender = 50_000;
        var done = new TaskCompletionSource<int[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var checker = Sys.ActorOf(Props.Create(() => new OrderChecker(senders, perSender, done)));
        await Task.WhenAll(Enumerable.Range(0, senders).Select(s => Task.Run(() =>
        {
            for (var i = 0; i < perSender; i++)
            {
                checker.Tell((s, i));
            }
        })));

        var lastPerSender = await done.Task.WaitAsync(DefaultTimeout * 3);
        Assert.All(lastPerSender, last => Assert.Equal(perSender - 1, last));
    }

    private sealed class OrderChecker : ReceiveActor
    {
        public OrderChecker(int senders, int perSender, TaskCompletionSource<int[]> done)
        {
            var last = Enumerable.Repeat(-1, senders).ToArray();
            var received = 0;
            Receive<(int Sender, int Index)>(message =>
            {
                if (message.Index != last[message.Sender] + 1)
                {
                    done.TrySetException(new InvalidOperationException(
                        $"Sender {message.Sender}: got {message.Index} after {last[message.Sender]}"));
                }

                last[message.Sender] = message.Index;
                if (++received == senders * perSender)
                {
                    done.TrySetResult(last);
                }
            });
        }
    }

    [Fact]
    public void Tell_inside_an_actor_passes_that_actor_as_the_sender()
    {
        var echo = Sys.ActorOf(Props.Create<Echo>(), "echo");
        echo.Tell("hello", TestActor);
        ExpectMsg("hello");
        Assert.Same(echo, LastSender);
    }

    private sealed class Forwarder(IActorRef target) : UntypedActor
    {
        protected override void OnReceive(object message) => target.Forward(message);
    }

    [Fact]
    public void Forward_keeps_the_original_sender()
    {
        var echo = Sys.ActorOf(Props.Create<Echo>());
        var forwarder = Sys.ActorOf(Props.Create(() => new Forwarder(echo)));
        forwarder.Tell("via", TestActor);
        ExpectMsg("via");
        Assert.Same(echo, LastSender); // echo replied to the original sender, the test actor
    }

    [Fact]
    public async Task Ask_completes_with_the_reply()
    {
        var echo = Sys.ActorOf(Props.Create<Echo>());
        Assert.Equal(42, await echo.Ask<int>(42, TimeSpan.FromSeconds(10)));
    }

    private sealed class Failing : ReceiveActor
    {
        public Failing() => Receive<string>(text => Sender.Tell(new Status.Failure(new InvalidOperationException(text))));
    }

    [Fact]
    public async Task Ask_faults_with_the_cause_of_a_failure_reply()
    {
        var failing = Sys.ActorOf(Props.Create<Failing>());
        var exception = await Assert.ThrowsAsync<InvalidOperationException>(() => failing.Ask<int>("no"));
        Assert.Equal("no", exception.Message);
    }

    [Fact]
    public async Task Ask_faults_when_the_reply_has_another_type()
    {
        var echo = Sys.ActorOf(Props.Create<Echo>());
        await Assert.ThrowsAsync<InvalidCastException>(() => echo.Ask<int>("not a number"));
    }

    [Fact]
    public async Task PipeTo_delivers_a_result_and_a_failure_as_messages()
    {
        await Task.FromResult(7).PipeTo(TestActor);
        ExpectMsg(7);

        await Task.FromException<int>(new TimeoutException("late")).PipeTo(TestActor);
        var failure = ExpectMsg<Status.Failure>();
        Assert.IsType<TimeoutException>(failure.Cause);

        await Task.FromResult("x").PipeTo(TestActor, success: s => s + "!");
        ExpectMsg("x!");
    }
}

/// <summary>Ask timeouts on virtual time: deterministic, no waiting.</summary>
public sealed class AskTimeoutTests() : TestKit.TestKit(new ActorSystemSettings { Scheduler = new TestScheduler() })
{
    private sealed class Silent : ReceiveActor
    {
        public Silent() => ReceiveAny(_ => { });
    }

    [Fact]
    public async Task Ask_without_a_reply_times_out_once_its_timeout_has_passed()
    {
        var silent = Sys.ActorOf(Props.Create<Silent>());
        var ask = silent.Ask<string>("anyone?", TimeSpan.FromSeconds(5));

        TestScheduler!.Advance(TimeSpan.FromSeconds(4));
        Assert.False(ask.IsCompleted);

        TestScheduler.Advance(TimeSpan.FromSeconds(1));
        await Assert.ThrowsAsync<AskTimeoutException>(() => ask);
    }

    [Fact]
    public async Task Ask_honours_cancellation()
    {
        var silent = Sys.ActorOf(Props.Create<Silent>());
        using var cancellation = new CancellationTokenSource();
        var ask = silent.Ask<string>("anyone?", TimeSpan.FromSeconds(5), cancellation.Token);
        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ask);
    }
}
