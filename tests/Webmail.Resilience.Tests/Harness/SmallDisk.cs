using System.Diagnostics;

namespace Webmail.Resilience.Tests.Harness;

/// <summary>A size-limited tmpfs mounted on a temp folder (needs root / CAP_SYS_ADMIN), unmounted on dispose.</summary>
public sealed class SmallDisk : IDisposable
{
    private SmallDisk(string path) => Path = path;

    public string Path { get; }

    /// <summary>Mounts a tmpfs of <paramref name="megabytes"/> MB, or returns null with the reason when mounting is not permitted.</summary>
    public static SmallDisk? TryMount(int megabytes, out string reason)
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "webmail-disk-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        var (code, output) = Run("mount", "-t", "tmpfs", "-o", $"size={megabytes}m", "tmpfs", path);
        if (code != 0)
        {
            Directory.Delete(path);
            reason = "mount not permitted: " + output;
            return null;
        }
        reason = "";
        return new SmallDisk(path);
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
