using Microsoft.Extensions.Logging;
using Webmail.Core.Hosting;

namespace Webmail.Storage;

/// <summary>
/// Keeps a full disk from locking everyone out. A reserve file (<see cref="ReserveFileName"/>,
/// <see cref="DefaultReserveBytes"/>) is allocated next to the database. When a write fails for
/// lack of space the reserve is deleted and the store enters low-space mode: writes that add data
/// (new mail, drafts, audit rows, last-login times) are refused at once as out of space, so that
/// SMTP answers 452 and the freed room is kept for the writes that change or remove what is
/// there — flags, moves, deletes, the POP3 UPDATE state — which in WAL mode need some free
/// space to commit. Once the file system has room for the reserve and <see cref="RecoveryHeadroomBytes"/>
/// more, the reserve is allocated again and every write is accepted.
/// </summary>
public sealed class DiskSpaceGuard
{
    /// <summary>The reserve file's name in the data directory.</summary>
    public const string ReserveFileName = "webmail.reserve";

    /// <summary>
    /// 20 MB, or a quarter of a small file system. On a full disk SQLite cannot checkpoint, so the WAL holds up to
    /// <see cref="GroupCommitWriter.CheckpointPages"/> pages (16 MB) that are not in the database file
    /// yet; the first commit after the reserve is released checkpoints them, and the file grows by
    /// as much. Measured: an 8 MB reserve went entirely into that checkpoint and the next delete
    /// failed again. The other 4 MB are for the deletes themselves.
    /// </summary>
    public const long DefaultReserveBytes = GroupCommitWriter.CheckpointPages * 4096L + 4L * 1024 * 1024;

    /// <summary>
    /// 8 MB: free space beyond the reserve needed to leave low-space mode, so that new mail has
    /// somewhere to go and the store does not flap between full and not full.
    /// </summary>
    public const long RecoveryHeadroomBytes = 8L * 1024 * 1024;

    /// <summary>How often the writer looks for space while in low-space mode.</summary>
    public static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(1);

    private readonly string _directory;
    private readonly StoreWriteHealth _health;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lock _probeLock = new();
    private volatile bool _low;
    private long _lastProbe;

    internal DiskSpaceGuard(string directory, long reserveBytes, StoreWriteHealth health, ILogger logger, TimeProvider time)
    {
        _directory = directory;
        // On a small file system (a test's tmpfs, a tiny VM) the full sizes would leave no room for
        // mail at all: at most a quarter of it for the reserve and an eighth for the headroom.
        var total = TotalBytes();
        ReserveBytes = total > 0 ? Math.Min(reserveBytes, total / 4) : reserveBytes;
        HeadroomBytes = total > 0 ? Math.Min(RecoveryHeadroomBytes, total / 8) : RecoveryHeadroomBytes;
        _health = health;
        _logger = logger;
        _time = time;
        ReservePath = Path.Combine(directory, ReserveFileName);
    }

    public string ReservePath { get; }
    public long ReserveBytes { get; }

    /// <summary>Free space beyond the reserve needed to leave low-space mode.</summary>
    public long HeadroomBytes { get; }

    /// <summary>True while the reserve is spent: writes that add data are refused as out of space.</summary>
    public bool RefusesNewData => _low;

    /// <summary>Allocates the reserve if it is missing; with no room even for that, starts in low-space mode.</summary>
    internal void EnsureReserve()
    {
        if (TryAllocateReserve())
            return;
        if (FreeBytes() < ReserveBytes + HeadroomBytes)
        {
            _low = true;
            _health.ReportFailing("disk full", _time.GetUtcNow());
            _logger.LogWarning("Not enough free space in {Directory} for the {Bytes}-byte reserve: new mail is refused (452) until there is room; reading and deleting work", _directory, ReserveBytes);
        }
    }

    /// <summary>A commit (or a unit) failed. Out of space: spend the reserve and refuse new data from now on.</summary>
    internal void OnWriteFailed(Exception error, bool outOfSpace)
    {
        _health.ReportFailing(outOfSpace ? "disk full" : error.Message, _time.GetUtcNow());
        if (!outOfSpace || _low)
            return;
        _low = true;
        _lastProbe = _time.GetTimestamp();
        var released = ReleaseReserve();
        // Once per episode, not per refused message: SMTP senders retry all the time.
        _logger.LogWarning("The disk under {Directory} is full: {Released}; new mail is refused (452) until there is room again, reading and deleting keep working",
            _directory, released ? $"released the {ReserveBytes}-byte reserve for deletes" : "no reserve left to release");
    }

    /// <summary>A commit succeeded; unless the reserve is still spent, writes are healthy again.</summary>
    internal void OnCommitted()
    {
        if (!_low && _health.WritesFailing)
        {
            _health.ReportRecovered();
            _logger.LogInformation("Store writes succeed again");
        }
    }

    /// <summary>
    /// In low-space mode: leaves it when the reserve fits again with <see cref="HeadroomBytes"/> to
    /// spare. The writer calls it at most once per <see cref="ProbeInterval"/>; a write that would be
    /// refused calls it with <paramref name="everyTime"/>, since a free-space check is one statvfs(2)
    /// and the first message after the operator freed space should not get a 452.
    /// </summary>
    internal void ProbeForSpace(bool everyTime = false)
    {
        if (!_low || (!everyTime && _time.GetElapsedTime(Interlocked.Read(ref _lastProbe)) < ProbeInterval))
            return;
        Interlocked.Exchange(ref _lastProbe, _time.GetTimestamp());
        if (FreeBytes() < ReserveBytes + HeadroomBytes)
            return;
        lock (_probeLock)
        {
            if (!_low || !TryAllocateReserve())
                return;
            _low = false;
        }
        _health.ReportRecovered();
        _logger.LogInformation("Space returned in {Directory}: the reserve is allocated again and new mail is accepted", _directory);
    }

    private bool TryAllocateReserve()
    {
        try
        {
            if (File.Exists(ReservePath) && new FileInfo(ReservePath).Length == ReserveBytes)
                return true;
            // fallocate(2): the blocks are really taken (a sparse file would reserve nothing), and a
            // full disk fails here rather than on some later write. The length is set to match so an
            // operator listing the directory sees what the file holds.
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, PreallocationSize = ReserveBytes };
            if (!OperatingSystem.IsWindows())
                options.UnixCreateMode = DataDirectoryPermissions.FileMode;
            using var file = new FileStream(ReservePath, options);
            file.SetLength(ReserveBytes);
            file.Flush(flushToDisk: true);
            return true;
        }
        catch (IOException e)
        {
            _logger.LogDebug(e, "Could not allocate the reserve {Path}", ReservePath);
            TryDelete();
            return false;
        }
        catch (UnauthorizedAccessException e)
        {
            _logger.LogWarning(e, "Could not allocate the reserve {Path}", ReservePath);
            return false;
        }
    }

    private bool ReleaseReserve()
    {
        var existed = File.Exists(ReservePath);
        return TryDelete() && existed;
    }

    private bool TryDelete()
    {
        try
        {
            File.Delete(ReservePath);
            return true;
        }
        catch (IOException e)
        {
            _logger.LogError(e, "Could not delete the reserve {Path}", ReservePath);
            return false;
        }
        catch (UnauthorizedAccessException e)
        {
            _logger.LogError(e, "Could not delete the reserve {Path}", ReservePath);
            return false;
        }
    }

    private long TotalBytes()
    {
        try
        {
            return new DriveInfo(_directory).TotalSize;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private long FreeBytes()
    {
        try
        {
            // statvfs(2) on the directory itself: the file system the database is on.
            return new DriveInfo(_directory).AvailableFreeSpace;
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
