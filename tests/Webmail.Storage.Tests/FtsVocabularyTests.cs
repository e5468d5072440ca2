using System.Text;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Storage.Tests;

/// <summary>
/// The vocabulary held in memory answers "which tokens contain this" exactly as <c>fts5vocab</c>
/// does, follows every change to the index, and a vocabulary too large to hold is asked of SQL.
/// </summary>
public sealed class FtsVocabularyTests
{
    [Fact]
    public async Task HeldAndQueriedVocabulariesAgreeAndFollowNewMail()
    {
        await using var store = new TestStore();
        var account = await store.CreateAccountAsync("vocab@local.example");
        var inbox = await store.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Inbox, default);
        async Task DeliverAsync(string body) => await store.Messages.AppendAsync(account.Id, inbox.Id,
            Encoding.UTF8.GetBytes($"From: a@example.org\r\nTo: vocab@local.example\r\nSubject: note\r\n\r\n{body}\r\n"), MessageFlags.None, enforceQuota: false);
        await DeliverAsync("Zeppelin rides over the quarterly report");
        await DeliverAsync("Biquarterly numbers and the reporting line");

        var held = new FtsVocabulary("message_fts");
        var queried = new FtsVocabulary("message_fts", maxHeldChars: 8); // too small to hold: SQL each time
        (string Run, bool EndsToken)[] runs = [("quarter", false), ("port", false), ("report", true), ("eppelin", false), ("zz", false), ("e", false)];
        void AssertAgree(string because)
        {
            using var connection = store.Database.OpenConnection();
            using var transaction = connection.BeginTransaction(deferred: true);
            foreach (var (run, endsToken) in runs)
            {
                var fromMemory = held.Containing(connection, transaction, run, endsToken, 100);
                var fromSql = queried.Containing(connection, transaction, run, endsToken, 100);
                Assert.True(fromSql.Order(StringComparer.Ordinal).SequenceEqual(fromMemory.Order(StringComparer.Ordinal)), $"{because}: {run}: [{string.Join(' ', fromMemory)}] vs [{string.Join(' ', fromSql)}]");
            }
        }

        AssertAgree("first read");
        using (var connection = store.Database.OpenConnection())
        using (var transaction = connection.BeginTransaction(deferred: true))
        {
            Assert.Equal(["biquarterly", "quarterly"], held.Containing(connection, transaction, "quarter", false, 100).Order(StringComparer.Ordinal));
            Assert.Equal(["report"], held.Containing(connection, transaction, "report", true, 100));
        }

        await DeliverAsync("Two zeppelins and a reporter");
        AssertAgree("after new mail");
        using (var connection = store.Database.OpenConnection())
        using (var transaction = connection.BeginTransaction(deferred: true))
            Assert.Equal(["zeppelin", "zeppelins"], held.Containing(connection, transaction, "eppelin", false, 100).Order(StringComparer.Ordinal));
    }
}
