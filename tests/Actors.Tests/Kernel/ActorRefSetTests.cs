using EventActors.Actors.Kernel;
using Xunit;

namespace EventActors.Actors.Tests.Kernel;

/// <summary>The death-watch set: two members in fields, more in a HashSet, the same answers either way.</summary>
public sealed class ActorRefSetTests : TestKit.TestKit
{
    private IInternalActorRef[] Refs(int count) =>
        Enumerable.Range(0, count).Select(i => (IInternalActorRef)CreateTestProbe().Ref).ToArray();

    [Fact]
    public void Two_members_are_kept_and_a_member_is_added_once()
    {
        var refs = Refs(2);
        var (a, b) = (refs[0], refs[1]);
        var set = new ActorRefSet();

        Assert.True(set.Add(a));
        Assert.True(set.Add(b));
        Assert.False(set.Add(a));
        Assert.False(set.Add(b));

        Assert.Equal(new[] { a, b }.ToHashSet(), set.Drain().ToHashSet());
        Assert.Empty(set.Drain());
    }

    [Fact]
    public void A_freed_field_takes_the_next_member_and_a_third_moves_all_to_the_overflow()
    {
        var refs = Refs(4);
        var set = new ActorRefSet();
        set.Add(refs[0]);
        set.Add(refs[1]);

        Assert.True(set.Remove(refs[0]));
        Assert.False(set.Remove(refs[0]));
        Assert.True(set.Add(refs[2])); // into the freed field
        Assert.False(set.Add(refs[1]));
        Assert.True(set.Add(refs[3])); // a third member: the overflow set
        Assert.False(set.Add(refs[2]));
        Assert.True(set.Remove(refs[1]));

        Assert.Equal(new[] { refs[2], refs[3] }.ToHashSet(), set.Drain().ToHashSet());
        Assert.Empty(set.Drain());
        Assert.True(set.Add(refs[0])); // usable again after draining
        Assert.Equal([refs[0]], set.Drain());
    }
}
