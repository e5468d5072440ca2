using Webmail.Core.Model;
using Webmail.Testing;

// Appends messages from 16 concurrent tasks until killed, writing "<id>" to the acknowledgement
// file after each durable commit (one write() per line, so a SIGKILL keeps every written line).
// The crash test kills this process with SIGKILL and checks the database against that file.
// Usage: CrashWriter <data directory> <acknowledgement file>
var dataDirectory = args[0];
await using var store = new TestStoreAt(dataDirectory);
var account = await store.EnsureAccountAsync();
var inbox = await store.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Inbox, default);
await using var acknowledgements = new FileStream(args[1], FileMode.Append, FileAccess.Write, FileShare.ReadWrite, 1, FileOptions.None);
var gate = new object();
await Task.WhenAll(Enumerable.Range(0, 16).Select(async writer =>
{
    for (var i = 0; ; i++)
    {
        var stored = await store.Messages.AppendAsync(account.Id, inbox.Id, TestMessages.OfSize(4096, $"writer {writer} message {i}"), MessageFlags.None);
        var line = System.Text.Encoding.ASCII.GetBytes(stored.Id + "\n");
        lock (gate)
            acknowledgements.Write(line);
    }
}));
