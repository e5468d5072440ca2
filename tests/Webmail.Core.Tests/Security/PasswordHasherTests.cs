using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Webmail.Core.Security;

namespace Webmail.Core.Tests.Security;

/// <summary>
/// Argon2id password hashes in the PHC string format, checked against Dovecot's own implementation (<c>doveadm pw</c>,
/// libsodium underneath; tests/run.sh installs Dovecot for the IMAP tests), and the PBKDF2 hashes stored before.
/// </summary>
public sealed class PasswordHasherTests
{
    private const string Password = "correct horse ✓";

    [Fact]
    public void HashIsArgon2idAtOwaspCostAndVerifiesOnlyItsPassword()
    {
        var hash = PasswordHasher.Hash(Password);

        // 16-byte salt and 32-byte hash, base64 without padding (the PHC string format).
        Assert.Matches(@"^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$", hash);
        Assert.True(PasswordHasher.Verify(Password, hash));
        Assert.False(PasswordHasher.Verify("correct horse", hash));
        Assert.False(PasswordHasher.Verify("", hash));
        Assert.False(PasswordHasher.NeedsRehash(hash));
        Assert.NotEqual(hash, PasswordHasher.Hash(Password)); // a new salt each time
    }

    [Fact]
    public async Task DovecotVerifiesOurHashesAndWeVerifyDovecots()
    {
        var ours = PasswordHasher.Hash(Password);
        Assert.Equal(0, (await DoveadmAsync("pw", "-t", "{ARGON2ID}" + ours, "-p", Password)).ExitCode);
        Assert.NotEqual(0, (await DoveadmAsync("pw", "-t", "{ARGON2ID}" + ours, "-p", "correct horse")).ExitCode);

        // Dovecot's own cost (libsodium's "interactive": 64 MiB, 3 passes) verifies here too, and asks to be stored anew.
        var theirs = (await DoveadmAsync("pw", "-s", "ARGON2ID", "-p", Password)).Output.Trim();
        Assert.StartsWith("{ARGON2ID}$argon2id$v=19$", theirs);
        var stored = theirs["{ARGON2ID}".Length..];
        Assert.True(PasswordHasher.Verify(Password, stored));
        Assert.False(PasswordHasher.Verify("correct horse", stored));
        Assert.True(PasswordHasher.NeedsRehash(stored));
    }

    [Fact]
    public void APbkdf2HashStoredBeforeStillVerifiesAndAsksToBeStoredAnew()
    {
        // The scheme of the accounts created before Argon2id: pbkdf2-sha512$iterations$salt$hash, standard base64.
        var salt = RandomNumberGenerator.GetBytes(16);
        var derived = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(Password), salt, 210_000, HashAlgorithmName.SHA512, 32);
        var legacy = $"pbkdf2-sha512$210000${Convert.ToBase64String(salt)}${Convert.ToBase64String(derived)}";

        Assert.True(PasswordHasher.Verify(Password, legacy));
        Assert.False(PasswordHasher.Verify("correct horse", legacy));
        Assert.True(PasswordHasher.NeedsRehash(legacy));
    }

    [Theory]
    [InlineData("")]
    [InlineData("plain text")]
    [InlineData("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA")] // no hash
    [InlineData("$argon2id$v=19$m=19456,t=2,p=4$c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // four lanes
    [InlineData("$argon2id$v=19$m=99999999,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // 95 GiB
    [InlineData("$argon2id$v=19$m=19456,t=5000,p=1$c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // 5,000 passes
    [InlineData("$argon2id$v=19$m=19456,t=0,p=1$c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("$argon2id$v=19$m=19456,t=2,p=1,x=1$c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // 4-byte salt
    [InlineData("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$not*base64")]
    [InlineData("$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // not id
    [InlineData("pbkdf2-sha512$999999999$c2FsdA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")] // a billion iterations
    [InlineData("pbkdf2-sha512$-5$c2FsdA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("pbkdf2-sha512$1000$%%%$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    public void WhatIsNotAHashWeReadVerifiesNothingAndCostsLittle(string stored)
    {
        var watch = Stopwatch.StartNew();
        Assert.False(PasswordHasher.Verify(Password, stored));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"{stored}: {watch.Elapsed}");
    }

    private static async Task<(int ExitCode, string Output)> DoveadmAsync(params string[] arguments)
    {
        const string doveadm = "/usr/bin/doveadm";
        Assert.True(File.Exists(doveadm), "doveadm is missing: tests/run.sh installs Debian's dovecot-imapd (with dovecot-core).");
        var start = new ProcessStartInfo(doveadm) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return (process.ExitCode, await output + await error);
    }
}
