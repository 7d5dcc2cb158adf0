using EventActors.Actors.Kernel;
using Xunit;
using Xunit.Sdk;

namespace EventActors.Actors.Tests.Kernel;

public sealed class TestKitTests : TestKit.TestKit
{
    [Fact]
    public void ExpectMsg_fails_on_a_message_of_another_type()
    {
        TestActor.Tell("text");
        Assert.ThrowsAny<XunitException>(() => ExpectMsg<int>());
    }

    [Fact]
    public void ExpectMsg_fails_when_nothing_arrives_in_time()
    {
        Assert.ThrowsAny<XunitException>(() => ExpectMsg<int>(TimeSpan.FromMilliseconds(50)));
    }

    [Fact]
    public void ExpectNoMsg_fails_when_a_message_arrives()
    {
        TestActor.Tell("surprise");
        Assert.ThrowsAny<XunitException>(() => ExpectNoMsg(TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public void FishForMessage_skips_until_a_match()
    {
        foreach (var i in new[] { 1, 2, 3, 42, 5 })
        {
            TestActor.Tell(i);
        }

        Assert.Equal(42, FishForMessage<int>(i => i > 10));
        ExpectMsg(5);
    }

    [Fact]
    public void Within_gives_nested_expectations_its_remaining_time()
    {
        Assert.ThrowsAny<XunitException>(() =>
            Within(TimeSpan.FromMilliseconds(100), () => ExpectMsg<string>(TimeSpan.FromHours(1))));

        TestActor.Tell("quick");
        Within(TimeSpan.FromSeconds(10), () => ExpectMsg("quick"));
    }

    [Fact]
    public void A_probe_replies_to_the_sender_of_its_last_message()
    {
        var probe = CreateTestProbe();
        probe.Ref.Tell("question", TestActor);
        probe.ExpectMsg("question");
        probe.Reply("answer");
        ExpectMsg("answer");
        Assert.Same(probe.Ref, LastSender);
    }
}
