using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Webmail.Core.Hosting;
using Webmail.Testing;

namespace Webmail.Host.Tests;

/// <summary>
/// Issue 15, part 8: the data directory holds all mail, the password hashes, the TLS private key and
/// the web sign-in keys, so no other local user may read anything in it.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // Unix file modes are the subject.
public sealed class DataDirectoryPermissionTests
{
    private const UnixFileMode GroupAndOther =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    [Fact]
    public async Task EveryFileTheServerWritesInTheDataDirectoryIsOwnerOnly()
    {
        using var temp = new TempDirectory("webmail-modes");
        var data = Path.Combine(temp.Path, "data");
        await using (var server = await TestServer.StartAsync(dataDirectory: data))
        {
            // Touch everything that writes a file: an account and a message (database, WAL, shared
            // memory), a web sign-in (the DataProtection key ring) and the generated TLS certificate.
            var account = await server.CreateAccountAsync("lucy@local.example");
            var inbox = await server.Messages.GetSpecialFolderAsync(account.Id, Webmail.Core.Model.SpecialFolder.Inbox, default);
            await server.Messages.AppendAsync(account.Id, inbox.Id, TestMessages.Simple(to: "lucy@local.example"), Webmail.Core.Model.MessageFlags.None);
            using var web = new WebSession(server.BaseUrl);
            using (var signedIn = await web.SignInAsync("lucy@local.example", "correct horse"))
                Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
            _ = server.Services.GetRequiredService<CertificateProvider>().Certificate;

            foreach (var expected in new[] { "webmail.db", "webmail.db-wal", "webmail.db-shm", "tls-selfsigned.pfx", "webmail.reserve" })
                Assert.True(File.Exists(Path.Combine(data, expected)), expected + " was not written");
            Assert.NotEmpty(Directory.GetFiles(Path.Combine(data, "keys"), "*.xml"));

            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(data));
            var open = Directory.EnumerateFileSystemEntries(data, "*", SearchOption.AllDirectories)
                .Where(path => (File.GetUnixFileMode(path) & GroupAndOther) != 0)
                .Select(path => $"{Path.GetRelativePath(data, path)} {Convert.ToString((int)File.GetUnixFileMode(path), 8)}")
                .ToList();
            Assert.True(open.Count == 0, "readable by others: " + string.Join(", ", open));
        }
    }
}
