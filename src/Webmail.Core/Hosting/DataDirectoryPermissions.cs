using Microsoft.Extensions.Logging;

namespace Webmail.Core.Hosting;

/// <summary>
/// The data directory holds every message, the password hashes, the TLS private key and the web
/// sign-in keys: on Unix it is created 0700 and everything in it 0600, so no other local user can
/// read it. Whatever an older version (or a copy, or a restore) left more open is tightened at start.
/// </summary>
public static class DataDirectoryPermissions
{
    /// <summary>rwx------ for the data directory and every directory in it.</summary>
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>rw------- for every file the server writes there.</summary>
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const UnixFileMode GroupAndOther =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute
        | UnixFileMode.SetGroup | UnixFileMode.SetUser | UnixFileMode.StickyBit;

    /// <summary>Creates <paramref name="path"/> (and missing parents) owner-only; an existing directory is left as it is.</summary>
    public static void CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
            System.IO.Directory.CreateDirectory(path);
        else
            System.IO.Directory.CreateDirectory(path, DirectoryMode);
    }

    /// <summary>
    /// Takes group and other permissions away from the data directory and everything under it
    /// (symbolic links are neither followed nor changed), and logs one line naming what changed.
    /// </summary>
    /// <returns>The paths (relative to the data directory) whose mode changed, with old and new mode.</returns>
    public static IReadOnlyList<string> Tighten(string dataDirectory, ILogger logger)
    {
        if (OperatingSystem.IsWindows() || !System.IO.Directory.Exists(dataDirectory))
            return [];
        var changed = new List<string>();
        TightenOne(new DirectoryInfo(dataDirectory), dataDirectory, changed, logger);
        try
        {
            foreach (var entry in new DirectoryInfo(dataDirectory).EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true }))
                TightenOne(entry, dataDirectory, changed, logger);
        }
        catch (IOException e)
        {
            logger.LogWarning(e, "Could not check the permissions under {DataDirectory}", dataDirectory);
        }
        if (changed.Count > 0)
            logger.LogWarning("Data directory {DataDirectory} was readable by other users; permissions tightened: {Changes}", dataDirectory, string.Join(", ", changed));
        return changed;
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void TightenOne(FileSystemInfo entry, string root, List<string> changed, ILogger logger)
    {
        if (entry.LinkTarget is not null)
            return;
        var mode = entry.UnixFileMode;
        if ((mode & GroupAndOther) == 0)
            return;
        var tightened = mode & ~GroupAndOther;
        try
        {
            entry.UnixFileMode = tightened;
            var name = Path.GetRelativePath(root, entry.FullName);
            changed.Add($"{(name == "." ? "." : name)} {Octal(mode)}→{Octal(tightened)}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning(e, "Could not tighten the permissions of {Path}", entry.FullName);
        }
    }

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode, 8).PadLeft(4, '0');
}
