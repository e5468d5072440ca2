using Npgsql;
using Webmail.Core.Model;

namespace Webmail.Storage.Postgres.Tests;

/// <summary>
/// An account with its standard folders written straight into the tables, for the message store's own tests: they
/// need an account, not the directory store that creates accounts.
/// </summary>
internal static class AccountRows
{
    public static async Task<long> CreateAsync(string connectionString, string address)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var domain = address[(address.IndexOf('@') + 1)..];
        await using var command = new NpgsqlCommand("""
            WITH d AS (INSERT INTO domains (name, created_at) VALUES (@d, 0) ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id)
            INSERT INTO accounts (address, domain_id, password_hash, security_stamp, created_at) SELECT @a, id, 'x', 'x', 0 FROM d RETURNING id
            """, connection);
        command.Parameters.AddWithValue("d", domain);
        command.Parameters.AddWithValue("a", address);
        var account = (long)(await command.ExecuteScalarAsync())!;
        foreach (var (use, name) in new[] { (SpecialFolder.Inbox, "Inbox"), (SpecialFolder.Sent, "Sent"), (SpecialFolder.Drafts, "Drafts"), (SpecialFolder.Archive, "Archive"), (SpecialFolder.Junk, "Junk"), (SpecialFolder.Trash, "Trash") })
        {
            await using var folder = new NpgsqlCommand("INSERT INTO folders (account_id, name, special_use, uid_validity) VALUES (@a, @n, @s, 1)", connection);
            folder.Parameters.AddWithValue("a", account);
            folder.Parameters.AddWithValue("n", name);
            folder.Parameters.AddWithValue("s", (long)use);
            await folder.ExecuteNonQueryAsync();
        }
        return account;
    }
}
