using EventActors.Actors.Kernel;
using EventActors.TestKit;
using Microsoft.Extensions.Logging;
using Xunit;

namespace EventActors.Actors.Tests.Kernel;

public sealed class DeadLetterTests : TestKit.TestKit
{
    private static readonly (ILoggerFactory Factory, RecordingLoggerProvider Provider) Logging = RecordingLoggerFactory();

    public DeadLetterTests() : base(new ActorSystemSettings { LoggerFactory = Logging.Factory, DeadLettersLoggedIndividually = 2 })
    {
    }

    private sealed class Idle : ReceiveActor
    {
        public Idle() => ReceiveAny(_ => { });
    }

    [Fact]
    public void A_message_to_a_stopped_actor_becomes_a_counted_logged_dead_letter()
    {
        Sys.EventStream.Subscribe<DeadLetter>(TestActor);
        var actor = Sys.ActorOf(Props.Create<Idle>(), "gone");
        Watch(actor);
        Sys.Stop(actor);
        ExpectTerminated(actor);

        actor.Tell("too late", TestActor);
        var letter = ExpectMsg<DeadLetter>();
        Assert.Equal("too late", letter.Message);
        Assert.Same(actor, letter.Recipient);
        Assert.Same(TestActor, letter.Sender);
        Assert.True(Sys.DeadLetterCount >= 1);
        Assert.Contains(Logging.Provider.Entries, e => e.Message.Contains("String") && e.Message.Contains("/user/gone"));
    }

    [Fact]
    public void Past_the_individual_limit_dead_letters_are_only_counted()
    {
        var before = Sys.DeadLetterCount;
        for (var i = 0; i < 64; i++)
        {
            Sys.DeadLetters.Tell(i, null);
        }

        Assert.Equal(before + 64, Sys.DeadLetterCount);
        var systemPath = $"/{Sys.Name}/";
        var individual = Logging.Provider.Entries.Count(e => e.Message.StartsWith("Dead letter #") && e.Message.Contains(systemPath));
        Assert.True(individual <= 2, $"{individual} dead letters were logged one by one");
        Assert.Contains(Logging.Provider.Entries, e => e.Message.Contains("dead letters so far"));
    }
}
