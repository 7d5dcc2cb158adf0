namespace EventActors.Protocol;

/// <summary>Lowercase base-36 digits (<c>[0-9a-z]</c>): compact, and safe in headers and URLs.</summary>
internal static class Base36
{
    public const string Alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";

    /// <summary>Digits in <see cref="ulong.MaxValue"/> ("3w5e11264sgsf").</summary>
    public const int MaxUInt64Digits = 13;

    /// <summary>Writes <paramref name="value"/> with no leading zeros; returns the digit count.</summary>
    public static int Format(ulong value, Span<char> destination)
    {
        Span<char> reversed = stackalloc char[MaxUInt64Digits];
        var count = 0;
        do
        {
            reversed[count++] = Alphabet[(int)(value % 36)];
            value /= 36;
        }
        while (value != 0);

        for (var i = 0; i < count; i++)
        {
            destination[i] = reversed[count - 1 - i];
        }

        return count;
    }

    /// <summary>Writes exactly <c>destination.Length</c> digits, padding with '0' on the left.</summary>
    public static void FormatFixed(ulong value, Span<char> destination)
    {
        for (var i = destination.Length - 1; i >= 0; i--)
        {
            destination[i] = Alphabet[(int)(value % 36)];
            value /= 36;
        }
    }

    /// <summary>
    /// Parses lowercase base-36 digits. With <paramref name="canonical"/>, rejects leading zeros so
    /// that every value has exactly one spelling. Rejects empty input and overflow.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, bool canonical, out ulong value)
    {
        value = 0;
        if (text.IsEmpty || (canonical && text.Length > 1 && text[0] == '0'))
        {
            return false;
        }

        foreach (var c in text)
        {
            var digit = DigitValue(c);
            if (digit < 0 || value > (ulong.MaxValue - (ulong)digit) / 36)
            {
                value = 0;
                return false;
            }

            value = (value * 36) + (ulong)digit;
        }

        return true;
    }

    private static int DigitValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'z' => c - 'a' + 10,
        _ => -1,
    };
}
