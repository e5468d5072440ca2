using System.Text;

namespace Webmail.Smtp.Tests;

/// <summary>
/// Malformed SASL exchanges (RFC 4954) get a reply and the session goes on: a client that sends bad
/// base64, cancels with <c>*</c> or sends an endless line is answered, never simply disconnected.
/// </summary>
public sealed class AuthExchangeTests(SmtpServerFixture fixture) : IClassFixture<SmtpServerFixture>
{
    // The library adds the retry count to every refusal it reports; 9 is what is left after one.
    private const string BadBase64 = "501 5.5.2 Cannot Base64-decode client responses, 9 retry(ies) remaining.\r\n";
    private const string Cancelled = "501 5.7.0 Authentication exchange cancelled by the client, 9 retry(ies) remaining.\r\n";
    private const string TooLong = "500 5.5.6 Authentication exchange line is too long, 9 retry(ies) remaining.\r\n";

    private async Task<SmtpTranscript> OpenAsync()
    {
        var smtp = await SmtpTranscript.ConnectAsync(fixture.Server.SubmissionPort);
        await smtp.ExpectAsync("EHLO client.example", 250);
        return smtp;
    }

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    /// <summary>After the refusal the session still works: a correct AUTH LOGIN signs in.</summary>
    private static async Task AssertSessionGoesOnAsync(SmtpTranscript smtp)
    {
        await smtp.ExpectAsync("NOOP", 250);
        Assert.Equal("334 VXNlcm5hbWU6\r\n", await smtp.CommandAsync("AUTH LOGIN"));
        Assert.Equal("334 UGFzc3dvcmQ6\r\n", await smtp.CommandAsync(B64("user@local.example")));
        await smtp.ExpectAsync(B64(SmtpServerFixture.Password), 235);
    }

    [Fact]
    public async Task AuthLoginUserNameThatIsNotBase64IsAnswered501_5_5_2()
    {
        await using var smtp = await OpenAsync();
        Assert.Equal("334 VXNlcm5hbWU6\r\n", await smtp.CommandAsync("AUTH LOGIN"));

        Assert.Equal(BadBase64, await smtp.CommandAsync("not base64!"));
        await AssertSessionGoesOnAsync(smtp);
    }

    [Fact]
    public async Task AuthLoginPasswordThatIsNotBase64IsAnswered501_5_5_2()
    {
        await using var smtp = await OpenAsync();
        Assert.Equal("334 VXNlcm5hbWU6\r\n", await smtp.CommandAsync("AUTH LOGIN"));
        Assert.Equal("334 UGFzc3dvcmQ6\r\n", await smtp.CommandAsync(B64("user@local.example")));

        Assert.Equal(BadBase64, await smtp.CommandAsync("abc"));
        await AssertSessionGoesOnAsync(smtp);
    }

    [Theory]
    [InlineData("AUTH LOGIN abc")]
    [InlineData("AUTH PLAIN abcde")]
    [InlineData("AUTH PLAIN AGEAYg=!")]
    public async Task InitialResponseThatIsNotBase64IsAnswered501_5_5_2(string line)
    {
        await using var smtp = await OpenAsync();

        Assert.Equal(BadBase64, await smtp.CommandAsync(line));
        await AssertSessionGoesOnAsync(smtp);
    }

    [Fact]
    public async Task AuthPlainContinuationThatIsNotBase64IsAnswered501_5_5_2()
    {
        await using var smtp = await OpenAsync();
        // The library's empty challenge has two spaces.
        Assert.Equal("334  \r\n", await smtp.CommandAsync("AUTH PLAIN"));

        Assert.Equal(BadBase64, await smtp.CommandAsync("%%%"));
        await AssertSessionGoesOnAsync(smtp);
    }

    [Fact]
    public async Task PlainResponseWithoutTwoNulsIsAnswered501_5_5_2Once()
    {
        await using var smtp = await OpenAsync();

        Assert.Equal("501 5.5.2 Malformed PLAIN response, 9 retry(ies) remaining.\r\n", await smtp.CommandAsync("AUTH PLAIN " + B64("user@local.example")));
        await AssertSessionGoesOnAsync(smtp);
    }

    [Fact]
    public async Task StarCancelsTheExchangeWith501()
    {
        // RFC 4954 §4: "*" cancels the exchange and the server MUST answer 501.
        await using var smtp = await OpenAsync();
        Assert.Equal("334 VXNlcm5hbWU6\r\n", await smtp.CommandAsync("AUTH LOGIN"));

        Assert.Equal(Cancelled, await smtp.CommandAsync("*"));
        await AssertSessionGoesOnAsync(smtp);
    }

    [Fact]
    public async Task OverlongAuthLineIsAnswered500_5_5_6()
    {
        var huge = B64("\0" + new string('u', 600_000) + "@local.example\0" + SmtpServerFixture.Password);
        await using var smtp = await OpenAsync();

        Assert.Equal(TooLong, await smtp.CommandAsync("AUTH PLAIN " + huge));
        await AssertSessionGoesOnAsync(smtp);
    }

    [Fact]
    public async Task OverlongAuthContinuationLineIsAnswered500_5_5_6()
    {
        await using var smtp = await OpenAsync();
        Assert.Equal("334 VXNlcm5hbWU6\r\n", await smtp.CommandAsync("AUTH LOGIN"));

        Assert.Equal(TooLong, await smtp.CommandAsync(B64(new string('u', 600_000))));
        await AssertSessionGoesOnAsync(smtp);
    }
}
