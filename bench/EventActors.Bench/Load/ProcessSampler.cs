using System.Globalization;
using System.Runtime.InteropServices;

namespace EventActors.Bench.Load;

/// <summary>
/// Samples a process's resident memory (<c>/proc/PID/status</c> VmRSS, and VmHWM, the kernel's
/// peak) and CPU time (<c>/proc/PID/stat</c> utime + stime) once a second. Linux only, as the
/// load scenarios are. CPU is reported as a percentage of one core, so 200 % is both cores here.
/// A server made of several processes (several nodes, nginx's master and workers) is sampled as
/// one: every reading reads each process at the same moment and sums them, so the series, its
/// maximum and the CPU between two readings are the whole server's. Summed RSS counts the pages
/// of files every process maps (the runtime, the libraries: the same files for several nodes of
/// one build) once per process; <see cref="Sample.FilesOnceKiB"/> estimates them counted once:
/// each process's anonymous and shared-memory pages (RssAnon + RssShmem,
/// its own heap, stacks and JIT code), plus the largest file-backed share (RssFile) of any one. An estimate:
/// files only one process maps count only where they are largest, and copy-on-write pages
/// shared after a fork (nginx's workers) still count once per process.
/// </summary>
internal sealed class ProcessSampler : IAsyncDisposable
{
    private static readonly double TicksPerSecond = ClockTicksPerSecond();

    private readonly int[] _pids;
    private readonly List<Sample> _samples = [];
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    public ProcessSampler(int pid)
        : this([pid])
    {
    }

    public ProcessSampler(IReadOnlyList<int> pids)
    {
        if (pids.Count == 0)
        {
            throw new ArgumentException("at least one process to sample", nameof(pids));
        }

        _pids = [.. pids];
        foreach (var pid in _pids)
        {
            if (ReadOne(pid, LoadClock.Micros()) is null)
            {
                throw new BenchmarkOptionException($"Cannot read /proc/{pid}/status and /proc/{pid}/stat: is process {pid} running on this machine?");
            }
        }
    }

    /// <summary>
    /// One reading: when, resident memory in KiB, its peak so far, and CPU seconds used since the
    /// process started; summed over the processes. The peak is then the sum of each one's peak,
    /// an upper bound on the group's (they need not have peaked at the same time).
    /// <see cref="FilesOnceKiB"/> estimates the RSS with the file-backed pages counted once
    /// (for one process it is <see cref="RssKiB"/>).
    /// </summary>
    public readonly record struct Sample(long Micros, long RssKiB, long PeakRssKiB, double CpuSeconds, long FilesOnceKiB);

    public IReadOnlyList<int> Pids => _pids;

    /// <summary>True once a process could no longer be read (it exited): a sum without it would look like the server shrank.</summary>
    public bool Gone { get; private set; }

    public void Start()
    {
        _loop = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
            TakeSample();
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                TakeSample();
            }
        });
    }

    /// <summary>Reads the process now (also recorded in the series); null once it is gone.</summary>
    public Sample? TakeSample()
    {
        var sample = Read();
        lock (_samples)
        {
            if (sample is { } taken)
            {
                _samples.Add(taken);
            }
            else
            {
                Gone = true;
            }
        }

        return sample;
    }

    public IReadOnlyList<Sample> Samples
    {
        get
        {
            lock (_samples)
            {
                return _samples.ToArray();
            }
        }
    }

    public double MaxRssMiB => Samples.Select(s => s.RssKiB).DefaultIfEmpty().Max() / 1024.0;

    public double PeakRssMiB => Samples.Select(s => s.PeakRssKiB).DefaultIfEmpty().Max() / 1024.0;

    public double LastRssMiB => Samples.Select(s => s.RssKiB).LastOrDefault() / 1024.0;

    public double MaxFilesOnceMiB => Samples.Select(s => s.FilesOnceKiB).DefaultIfEmpty().Max() / 1024.0;

    public double LastFilesOnceMiB => Samples.Select(s => s.FilesOnceKiB).LastOrDefault() / 1024.0;

    /// <summary>Mean CPU between two samples, in percent of one core.</summary>
    public static double CpuPercent(Sample from, Sample to) =>
        to.Micros <= from.Micros ? 0 : (to.CpuSeconds - from.CpuSeconds) / LoadClock.Seconds(to.Micros - from.Micros) * 100;

    /// <summary>Resident memory once a second, in MiB, between two times.</summary>
    public double[] RssSeriesMiB(long fromMicros, long toMicros) =>
        Samples.Where(s => s.Micros >= fromMicros && s.Micros <= toMicros).Select(s => Math.Round(s.RssKiB / 1024.0, 1)).ToArray();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
            // stopping is how the loop ends
        }

        _stop.Dispose();
    }

    private Sample? Read()
    {
        var now = LoadClock.Micros();
        long rss = 0, peak = 0, own = 0, largestFiles = 0;
        double cpu = 0;
        foreach (var pid in _pids)
        {
            if (ReadOne(pid, now) is not { } one)
            {
                return null;
            }

            rss += one.Sample.RssKiB;
            peak += one.Sample.PeakRssKiB;
            cpu += one.Sample.CpuSeconds;
            own += one.Sample.RssKiB - one.FileKiB;
            largestFiles = Math.Max(largestFiles, one.FileKiB);
        }

        return new Sample(now, rss, peak, cpu, own + largestFiles);
    }

    /// <summary>One process: its sample and the file-backed part of its RSS (RssFile).</summary>
    private static (Sample Sample, long FileKiB)? ReadOne(int pid, long now)
    {
        try
        {
            long rss = 0, peak = 0, file = 0;
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rss = KiB(line);
                }
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    peak = KiB(line);
                }
                else if (line.StartsWith("RssFile:", StringComparison.Ordinal))
                {
                    file = KiB(line);
                }
            }

            // /proc/PID/stat: "pid (comm) state ..." where comm may hold spaces; fields after the
            // last ')' start at field 3, so utime and stime (fields 14 and 15) are at 11 and 12.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return (new Sample(now, rss, peak, ticks / TicksPerSecond, rss), file);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    private static long KiB(string line) =>
        long.Parse(line.AsSpan(line.IndexOf(':') + 1).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);

    private static double ClockTicksPerSecond()
    {
        try
        {
            var ticks = SysConf(ScClkTck);
            return ticks > 0 ? ticks : 100;
        }
        catch (Exception error) when (error is DllNotFoundException or EntryPointNotFoundException)
        {
            return 100; // USER_HZ on every mainstream Linux build
        }
    }

    private const int ScClkTck = 2; // _SC_CLK_TCK in glibc and musl

    // DllImport rather than LibraryImport: the generated code of the latter needs AllowUnsafeBlocks,
    // and this one blittable call is not worth that switch for the whole project.
    [DllImport("libc", EntryPoint = "sysconf")]
    private static extern long SysConf(int name);
}
