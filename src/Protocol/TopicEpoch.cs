using System.Security.Cryptography;

namespace EventActors.Protocol;

/// <summary>
/// Identifies one incarnation of a topic's sequence: a topic that is deleted and created again
/// starts counting from 1 under a new epoch, so a cursor from before cannot be mistaken for a
/// position in the new sequence. Written as 8 lowercase base-36 characters, e.g. <c>k3x9q2ab</c>.
/// </summary>
/// <remarks>
/// 36^8 ≈ 2.8 × 10^12 values: two random epochs of one topic collide with odds of about one in
/// three trillion, and 8 characters keep every id short. <c>default</c> is the epoch
/// <c>00000000</c>, a valid value like any other.
/// </remarks>
public readonly record struct TopicEpoch
{
    /// <summary>Characters in a formatted epoch.</summary>
    public const int Length = 8;

    private readonly ulong _value;

    private TopicEpoch(ulong value) => _value = value;

    /// <summary>A fresh epoch from the cryptographic random number generator.</summary>
    public static TopicEpoch NewRandom()
    {
        Span<char> text = stackalloc char[Length];
        RandomNumberGenerator.GetItems(Base36.Alphabet, text);
        return TryParse(text, out var epoch)
            ? epoch
            : throw new InvalidOperationException("A randomly drawn epoch did not parse.");
    }

    /// <summary>Parses exactly 8 characters of <c>[0-9a-z]</c>. Never throws.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out TopicEpoch epoch)
    {
        // Not canonical: leading zeros are part of the fixed width here.
        if (text.Length == Length && Base36.TryParse(text, canonical: false, out var value))
        {
            epoch = new TopicEpoch(value);
            return true;
        }

        epoch = default;
        return false;
    }

    /// <summary>Parses an epoch the caller trusts, such as one read back from the journal.</summary>
    /// <exception cref="FormatException"><paramref name="text"/> is not 8 characters of <c>[0-9a-z]</c>.</exception>
    public static TopicEpoch Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var epoch)
            ? epoch
            : throw new FormatException($"A topic epoch is {Length} characters of [0-9a-z]; \"{text}\" is not one.");
    }

    /// <summary>Writes the 8 characters into <paramref name="destination"/>.</summary>
    public bool TryFormat(Span<char> destination, out int charsWritten)
    {
        if (destination.Length < Length)
        {
            charsWritten = 0;
            return false;
        }

        Base36.FormatFixed(_value, destination[..Length]);
        charsWritten = Length;
        return true;
    }

    public override string ToString() => string.Create(Length, _value, static (text, value) => Base36.FormatFixed(value, text));
}
