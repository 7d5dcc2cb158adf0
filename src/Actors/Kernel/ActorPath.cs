using System.Text;

namespace EventActors.Actors.Kernel;

/// <summary>
/// Where an actor lives in its system's hierarchy, such as <c>eventactors://node/user/topics/t1</c>.
/// </summary>
public sealed class ActorPath
{
    private const string Scheme = "eventactors";

    private ActorPath(string systemName, ActorPath? parent, string name)
    {
        SystemName = systemName;
        Parent = parent;
        Name = name;
    }

    public string SystemName { get; }

    /// <summary>The parent's path; null for the root.</summary>
    public ActorPath? Parent { get; }

    /// <summary>The last element; empty for the root.</summary>
    public string Name { get; }

    internal static ActorPath Root(string systemName) => new(systemName, null, "");

    public ActorPath Child(string name) => new(SystemName, this, name);

    public static ActorPath operator /(ActorPath parent, string name) => parent.Child(name);

    /// <summary>The names from the root down to this path, root excluded.</summary>
    public IReadOnlyList<string> Elements
    {
        get
        {
            var elements = new List<string>();
            for (var path = this; path.Parent is not null; path = path.Parent)
            {
                elements.Add(path.Name);
            }

            elements.Reverse();
            return elements;
        }
    }

    // Built on demand: an idle actor should not pay for a string it may never print.
    public override string ToString()
    {
        var builder = new StringBuilder().Append(Scheme).Append("://").Append(SystemName);
        if (Parent is null)
        {
            return builder.Append('/').ToString();
        }

        foreach (var element in Elements)
        {
            builder.Append('/').Append(element);
        }

        return builder.ToString();
    }
}
