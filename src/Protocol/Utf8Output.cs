using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace EventActors.Protocol;

/// <summary>Copies and transcodes into an <see cref="IBufferWriter{T}"/> in bounded pieces.</summary>
internal static class Utf8Output
{
    // Asking a writer for one huge span can make it allocate one huge buffer; 16 KiB pieces keep
    // a large payload from doing that while costing nothing for ordinary events.
    private const int MaxPieceChars = 16 * 1024 / 3;

    public static void WriteBytes(IBufferWriter<byte> writer, ReadOnlySpan<byte> source)
    {
        while (!source.IsEmpty)
        {
            var destination = writer.GetSpan(Math.Min(source.Length, MaxPieceChars * 3));
            var count = Math.Min(destination.Length, source.Length);
            source[..count].CopyTo(destination);
            writer.Advance(count);
            source = source[count..];
        }
    }

    /// <summary>
    /// Writes <paramref name="source"/> as UTF-8. A lone surrogate becomes U+FFFD, exactly as
    /// <see cref="Encoding.UTF8"/> counts it in <see cref="Utf8ByteCount"/>.
    /// </summary>
    public static void WriteUtf16(IBufferWriter<byte> writer, ReadOnlySpan<char> source)
    {
        while (!source.IsEmpty)
        {
            // 3 bytes per char covers every UTF-16 code unit and every surrogate pair (4 bytes for 2).
            var destination = writer.GetSpan(Math.Min(source.Length, MaxPieceChars) * 3);
            var status = Utf8.FromUtf16(source, destination, out var read, out var written, replaceInvalidSequences: true, isFinalBlock: true);
            writer.Advance(written);
            source = source[read..];
            if (status is not (OperationStatus.Done or OperationStatus.DestinationTooSmall))
            {
                throw new InvalidOperationException($"UTF-16 to UTF-8 transcoding stopped with {status}.");
            }

            if (read == 0 && !source.IsEmpty)
            {
                // Only a writer that hands out less than it was asked for gets here; without this
                // the loop would ask again forever.
                throw new InvalidOperationException($"The buffer writer gave {destination.Length} bytes, too few for the next character.");
            }
        }
    }

    public static int Utf8ByteCount(ReadOnlySpan<char> source) => Encoding.UTF8.GetByteCount(source);
}
