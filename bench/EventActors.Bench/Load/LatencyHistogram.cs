using System.Numerics;

namespace EventActors.Bench.Load;

/// <summary>
/// Latencies in microseconds, HDR-style: exact 1 µs buckets below 256 µs, then 128 linear
/// sub-buckets per power of two, so a bucket is at most 1/128 (0.8 %) of the values it holds.
/// Recording is an index computation and an increment: no allocation, no lock. Not thread-safe;
/// <see cref="LatencyRecorder"/> gives each thread its own.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBucketBits = 7;
    private const int SubBuckets = 1 << SubBucketBits;             // 128 per power of two
    private const int LinearLimit = SubBuckets * 2;                // 256 µs: below, 1 µs buckets
    private const int FirstExponent = SubBucketBits + 1;           // 2^8 = LinearLimit
    private const int LastExponent = 40;                           // 2^41 µs is 25 days: larger values are clamped
    private const int BucketCount = LinearLimit + (LastExponent - FirstExponent + 1) * SubBuckets;

    private readonly long[] _counts = new long[BucketCount];
    private long _max;

    public long Count { get; private set; }

    public long MaxMicros => _max;

    public void Record(long micros)
    {
        if (micros < 0)
        {
            micros = 0; // cannot happen with one monotonic clock; clamped rather than thrown on a hot path
        }

        _counts[Index(micros)]++;
        Count++;
        if (micros > _max)
        {
            _max = micros;
        }
    }

    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < BucketCount; i++)
        {
            _counts[i] += other._counts[i];
        }

        Count += other.Count;
        _max = Math.Max(_max, other._max);
    }

    /// <summary>
    /// Writes the histogram as text (the largest value, then one "bucket count" line per bucket
    /// that holds any), so that the histograms of several generator processes, each a part of one
    /// run, can be merged into the run's (<c>latency-merge</c>): percentiles do not add up.
    /// </summary>
    public void Save(string path)
    {
        using var writer = new StreamWriter(path);
        writer.WriteLine($"max {_max}");
        for (var i = 0; i < BucketCount; i++)
        {
            if (_counts[i] > 0)
            {
                writer.WriteLine($"{i} {_counts[i]}");
            }
        }
    }

    /// <summary>Reads a histogram <see cref="Save"/> wrote.</summary>
    public static LatencyHistogram Load(string path)
    {
        var histogram = new LatencyHistogram();
        foreach (var line in File.ReadLines(path))
        {
            var parts = line.Split(' ');
            if (parts[0] == "max")
            {
                histogram._max = long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
                continue;
            }

            var count = long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
            histogram._counts[int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture)] += count;
            histogram.Count += count;
        }

        return histogram;
    }

    /// <summary>The value at quantile <paramref name="q"/> (0..1) in milliseconds, or null with no samples.</summary>
    public double? PercentileMillis(double q)
    {
        if (Count == 0)
        {
            return null;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(q * Count));
        long seen = 0;
        for (var i = 0; i < BucketCount; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                // The bucket's middle, never above the largest value recorded.
                var (low, width) = Bounds(i);
                return Math.Min(low + (width - 1) / 2.0, _max) / 1000.0;
            }
        }

        return _max / 1000.0;
    }

    public double? MaxMillis => Count == 0 ? null : _max / 1000.0;

    private static int Index(long micros)
    {
        if (micros < LinearLimit)
        {
            return (int)micros;
        }

        var exponent = 63 - BitOperations.LeadingZeroCount((ulong)micros); // >= FirstExponent
        if (exponent > LastExponent)
        {
            return BucketCount - 1;
        }

        // The value's top 8 bits are 1xxxxxxx: the low 7 give the sub-bucket.
        var sub = (int)(micros >> (exponent - SubBucketBits)) & (SubBuckets - 1);
        return LinearLimit + (exponent - FirstExponent) * SubBuckets + sub;
    }

    private static (long Low, long Width) Bounds(int index)
    {
        if (index < LinearLimit)
        {
            return (index, 1);
        }

        var exponent = FirstExponent + (index - LinearLimit) / SubBuckets;
        var sub = (index - LinearLimit) % SubBuckets;
        var width = 1L << (exponent - SubBucketBits);
        return ((1L << exponent) + sub * width, width);
    }
}
