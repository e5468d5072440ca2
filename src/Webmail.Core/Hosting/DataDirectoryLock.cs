namespace Webmail.Core.Hosting;

/// <summary>
/// The data directory's <c>webmail.lock</c>, held exclusively by the server for as long as it runs
/// (and by <c>Webmail restore</c>): a second server on the same store, or a restore under a running
/// one, is refused instead of corrupting it. The operator CLI's other verbs do not take it; SQLite's
/// own locking makes them safe beside a server. The OS drops it when the process dies, even by kill -9.
/// </summary>
public sealed class DataDirectoryLock : IDisposable
{
    private readonly FileStream _file;

    private DataDirectoryLock(FileStream file) => _file = file;

    /// <exception cref="IOException">Another process holds it: a server is running on <paramref name="dataDirectory"/>.</exception>
    public static DataDirectoryLock Acquire(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, "webmail.lock");
        try
        {
            // FileShare.None is an exclusive flock(2) on Unix, released by the kernel with the process.
            var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
                options.UnixCreateMode = DataDirectoryPermissions.FileMode;
            return new DataDirectoryLock(new FileStream(path, options));
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new IOException($"Another Webmail server is using {dataDirectory} (it holds {path}); stop it first.", e);
        }
    }

    public void Dispose() => _file.Dispose();
}
