using System.Diagnostics;

namespace Webmail.Testing;

/// <summary>
/// A size-limited tmpfs mounted on a fresh temp folder, unmounted on dispose. Mounting needs root
/// (CAP_SYS_ADMIN): without it <see cref="Mount"/> throws with the reason, since a disk-full test that
/// quietly passes without a full disk proves nothing (CI runs as root).
/// </summary>
public sealed class SmallDisk : IDisposable
{
    private SmallDisk(string path) => Path = path;

    public string Path { get; }

    /// <summary>Mounts a tmpfs of <paramref name="megabytes"/> MB.</summary>
    /// <exception cref="InvalidOperationException">Not running as root, or the mount failed.</exception>
    public static SmallDisk Mount(int megabytes)
    {
        if (!Environment.IsPrivilegedProcess)
            throw new InvalidOperationException("this test mounts a small tmpfs to fill it and must run as root (CI does); it was run as an unprivileged user");
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "webmail-disk-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        var (code, output) = Run("mount", "-t", "tmpfs", "-o", $"size={megabytes}m", "tmpfs", path);
        if (code != 0)
        {
            Directory.Delete(path);
            throw new InvalidOperationException($"mount -t tmpfs failed (exit {code}): {output}");
        }
        return new SmallDisk(path);
    }

    /// <summary>Writes a file of <paramref name="megabytes"/> MB of real (allocated) data.</summary>
    public string WriteFile(string name, int megabytes)
    {
        var file = System.IO.Path.Combine(Path, name);
        var block = new byte[1024 * 1024];
        Random.Shared.NextBytes(block);
        // Unbuffered, so that nothing is left to flush (and fail) on dispose.
        using var stream = new FileStream(file, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        for (var i = 0; i < megabytes; i++)
            stream.Write(block);
        return file;
    }

    /// <summary>Fills the remaining space with one file; returns its path.</summary>
    public string Fill()
    {
        var filler = System.IO.Path.Combine(Path, "filler");
        var block = new byte[64 * 1024];
        // Unbuffered: a buffered stream would throw ENOSPC again when it flushes on dispose.
        using var stream = new FileStream(filler, FileMode.Create, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        try
        {
            for (var i = 0; i < 1_000_000; i++)
                stream.Write(block);
        }
        catch (IOException)
        {
            // ENOSPC: the disk is full, which is the point.
        }
        // Top up the last partial block byte by byte so not even a page is left.
        try
        {
            for (var i = 0; i < block.Length; i++)
                stream.WriteByte(0);
            stream.Flush();
        }
        catch (IOException)
        {
            // Full.
        }
        return filler;
    }

    public void Dispose()
    {
        Run("umount", "-l", Path);
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS temp cleaner.
        }
    }

    private static (int Code, string Output) Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        try
        {
            using var process = Process.Start(info)!;
            var output = process.StandardError.ReadToEnd() + process.StandardOutput.ReadToEnd();
            process.WaitForExit(10_000);
            return (process.ExitCode, output.Trim());
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
    }
}
