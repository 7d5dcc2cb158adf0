using EventActors.Protocol;
using FsCheck;
using FsCheck.Fluent;

namespace EventActors.Protocol.Tests.Support;

/// <summary>FsCheck generators aimed at the edges of the wire format.</summary>
internal static class Generators
{
    /// <summary>How many cases each property runs; enough to hit every fragment combination often.</summary>
    public static readonly Config Config = Config.QuickThrowOnFailure.WithMaxTest(1_000);

    private static readonly string[] s_fragments =
    [
        "\r", "\n", "\r\n", "\n\r", "\r\r", "\0", " ", "  ", "\t", ":", ": ", "data: x", "id: 1", "event: e", "retry: 1",
        "é", "…", "😀", "\uFEFF", "\uD800", "\uDC00", "\uDBFF\uDFFF", "a", "xyz", "0",
    ];

    private static readonly char[] s_nameCharacters =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-".ToCharArray();

    /// <summary>Any UTF-16 code unit, surrogates and controls included.</summary>
    public static Gen<char> AnyChar { get; } = Gen.Choose(0, 0xFFFF).Select(i => (char)i);

    /// <summary>Strings of three flavours: FsCheck's own, uniform over all code units, and framing fragments.</summary>
    public static Gen<string> Text { get; } = Gen.OneOf(
        ArbMap.Default.GeneratorFor<string>().Select(s => s ?? string.Empty),
        Gen.ArrayOf(AnyChar).Select(chars => new string(chars)),
        Gen.ArrayOf(Gen.Elements(s_fragments)).Select(string.Concat));

    public static Gen<ulong> Sequence { get; } = Gen.OneOf(
        Gen.Elements(0UL, 1UL, 9UL, 10UL, 35UL, 36UL, 1295UL, 1296UL, 1_000_000UL, (ulong)uint.MaxValue, ulong.MaxValue - 1, ulong.MaxValue),
        Gen.Choose(0, int.MaxValue).Select(i => (ulong)i),
        Gen.Two(Gen.Choose(0, int.MaxValue)).Select(t => ((ulong)(uint)t.Item1 << 32) | (uint)t.Item2 | ((ulong)(t.Item1 & 1) << 63)));

    public static Gen<TopicEpoch> Epoch { get; } = Gen.ArrayOf(Gen.Elements("0123456789abcdefghijklmnopqrstuvwxyz".ToCharArray()), 8)
        .Select(chars => TopicEpoch.Parse(new string(chars)));

    public static Gen<EventCursor> Cursor { get; } = Gen.Zip(Epoch, Sequence).Select(t => new EventCursor(t.Item1, t.Item2));

    public static Gen<TopicName> Topic { get; } =
        from segmentCount in Gen.Choose(1, 4)
        from segments in Gen.ArrayOf(Gen.Choose(1, 8).SelectMany(n => Gen.ArrayOf(Gen.Elements(s_nameCharacters), n)), segmentCount)
        select TopicName.Parse(string.Join('.', segments.Select(chars => new string(chars))));

    public static Gen<TopicSet> Topics { get; } = Gen.Choose(1, TopicSet.MaxTopics)
        .SelectMany(n => Gen.ArrayOf(Topic, n))
        .Select(topics => TopicSet.Create(topics.AsEnumerable()));

    public static Gen<MultiTopicCursor> MultiCursor { get; } = Topics
        .SelectMany(set => Gen.ArrayOf(Cursor, set.Count).Select(positions => new MultiTopicCursor(set, positions)));

    /// <summary>Strings near the topic grammar: its characters, dots, and a few that it forbids.</summary>
    public static Gen<string> NearTopicName { get; } = Gen.ArrayOf(Gen.Frequency(
            (8, Gen.Elements(s_nameCharacters)),
            (2, Gen.Constant('.')),
            (1, Gen.Elements(' ', '/', '*', '\0', '\n', 'é', '%', ':', '~')),
            (1, AnyChar)))
        .Select(chars => new string(chars));

    /// <summary>A valid cursor text with one character replaced, inserted or removed.</summary>
    public static Gen<string> Mutated(Gen<string> valid) =>
        from text in valid
        from kind in Gen.Choose(0, 2)
        from index in Gen.Choose(0, text.Length - 1)
        from c in Gen.Frequency((4, Gen.Elements("0123456789abcdefghijklmnopqrstuvwxyzAZ.-m _~".ToCharArray())), (1, AnyChar))
        select kind switch
        {
            0 => string.Concat(text.AsSpan(0, index), c.ToString(), text.AsSpan(index + 1)),
            1 => text.Insert(index, c.ToString()),
            _ => text.Remove(index, 1),
        };
}
