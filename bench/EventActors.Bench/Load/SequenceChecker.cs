namespace EventActors.Bench.Load;

/// <summary>
/// Checks the sequence numbers one subscriber receives, per publishing lane of its topic. A lane
/// is one publisher that has at most one publish in flight, so its events are committed in the
/// order it numbered them and every subscriber must see 1, 2, 3, … exactly (several lanes per
/// topic are independent publishers into the same topic; their mutual order is the server's
/// choice and is not checked).
///
/// Per lane, with <c>last</c> the highest sequence seen so far, an arriving <c>s</c> is:
/// <list type="bullet">
/// <item>in order when <c>s == last + 1</c>;</item>
/// <item>a gap when <c>s &gt; last + 1</c>: <c>last+1 … s-1</c> become missing;</item>
/// <item>out of order when <c>s &lt;= last</c> and <c>s</c> is missing: it arrived after a later event, and is no longer missing;</item>
/// <item>a duplicate when <c>s &lt;= last</c> and <c>s</c> was already received.</item>
/// </list>
/// Lost, at the end, is what is still missing plus the tail: events the lane published and had
/// acknowledged beyond <c>last</c>. Missing numbers are kept only when a gap happens (no memory
/// in the normal case), up to <see cref="MaxTrackedMissing"/>; beyond that they are counted lost
/// at once, and one arriving later is then counted a duplicate.
/// </summary>
internal sealed class SequenceChecker(int lanes)
{
    /// <summary>Missing sequence numbers remembered per subscriber (65,536): bounds the generator's memory when a server loses everything.</summary>
    public const int MaxTrackedMissing = 65_536;

    private readonly long[] _last = new long[lanes];
    private HashSet<long>? _missing; // lane << 40 | sequence

    public long Unique { get; private set; }         // distinct events received

    public long Duplicated { get; private set; }

    public long OutOfOrder { get; private set; }

    public long LostUntracked { get; private set; }  // missing beyond MaxTrackedMissing

    public bool AnyAnomaly => Duplicated > 0 || OutOfOrder > 0 || LostUntracked > 0 || _missing is { Count: > 0 };

    /// <summary>Records a received event; false when <paramref name="lane"/> or the sequence cannot be one of ours.</summary>
    public bool Observe(int lane, long sequence)
    {
        if ((uint)lane >= (uint)_last.Length || sequence < 1 || sequence >= 1L << 40)
        {
            return false;
        }

        var last = _last[lane];
        if (sequence == last + 1)
        {
            _last[lane] = sequence;
            Unique++;
        }
        else if (sequence > last + 1)
        {
            for (var missing = last + 1; missing < sequence; missing++)
            {
                _missing ??= [];
                if (_missing.Count < MaxTrackedMissing)
                {
                    _missing.Add(Key(lane, missing));
                }
                else
                {
                    LostUntracked += sequence - missing;
                    break;
                }
            }

            _last[lane] = sequence;
            Unique++;
        }
        else if (_missing is not null && _missing.Remove(Key(lane, sequence)))
        {
            OutOfOrder++;
            Unique++;
        }
        else
        {
            Duplicated++;
        }

        return true;
    }

    /// <summary>Holes: events skipped over (a later one arrived) and never received since.</summary>
    public long Gaps => LostUntracked + (_missing?.Count ?? 0);

    /// <summary>Events never received: still missing, plus those acknowledged after the last one received.</summary>
    public long Lost(Func<int, long> ackedSequenceOfLane)
    {
        var lost = Gaps;
        for (var lane = 0; lane < _last.Length; lane++)
        {
            lost += Math.Max(0, ackedSequenceOfLane(lane) - _last[lane]);
        }

        return lost;
    }

    private static long Key(int lane, long sequence) => (long)lane << 40 | sequence;
}
