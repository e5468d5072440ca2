using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using MimeKit;
using Webmail.Compose;
using Webmail.Core.Model;

namespace Webmail.Web.Tests.Compose;

/// <summary>What the composer checks and fills in: addresses, header injection, autocomplete, signature, rich text.</summary>
[Collection(ComposeCollection.Name)]
public sealed class ComposeFieldTests(ComposeFixture fixture)
{
    private static ILocator Field(IPage page, string label) => page.GetByLabel(label, new() { Exact = true });

    private static Task ClickAsync(IPage page, string button) =>
        page.GetByRole(AriaRole.Button, new() { Name = button, Exact = true }).ClickAsync();

    [Fact]
    public async Task InvalidAddressIsFlaggedWhenLeavingTheFieldAndRefusedOnSend()
    {
        var lucy = await fixture.NewAccountAsync("lucy");
        var betty = await fixture.NewAccountAsync("betty");
        var page = await fixture.SignInAsync(lucy);
        await fixture.OpenAsync(page, "/compose");

        await Field(page, "To").FillAsync($"{betty.Address}, betty@@nowhere");
        await Field(page, "Subject").FocusAsync();
        await page.GetByText("Not a valid address: betty@@nowhere").WaitForAsync();
        await ClickAsync(page, "Send");

        var alert = page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "Not a valid address" });
        await alert.WaitForAsync();
        Assert.Contains("betty@@nowhere", await alert.InnerTextAsync());
        Assert.Empty(await fixture.FolderAsync(lucy, SpecialFolder.Sent));
        Assert.Empty(await fixture.FolderAsync(betty, SpecialFolder.Inbox));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task NulInSubjectOrAddressIsRefusedWithAClearMessage()
    {
        var lucy = await fixture.NewAccountAsync("lucy");
        var betty = await fixture.NewAccountAsync("betty");
        var page = await fixture.SignInAsync(lucy);
        await fixture.OpenAsync(page, "/compose");
        await Field(page, "To").FillAsync(betty.Address);
        // A single-line input drops CR and LF itself (HTML value sanitization); NUL gets through the browser.
        await Field(page, "Subject").EvaluateAsync("(el, v) => { el.value = v; el.dispatchEvent(new Event('input', { bubbles: true })); }", "Hello\u0000Bcc: evil@b.example");
        await ClickAsync(page, "Send");

        var alert = page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "Subject" });
        await alert.WaitForAsync();
        Assert.Equal("The Subject field cannot contain line breaks or NUL characters.", (await alert.InnerTextAsync()).Trim());

        await Field(page, "Subject").FillAsync("Hello");
        await Field(page, "Cc").EvaluateAsync("(el, v) => { el.value = v; el.dispatchEvent(new Event('input', { bubbles: true })); }", "evil@b.example\u0000");
        await ClickAsync(page, "Send");
        await page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "The Cc field cannot contain line breaks or NUL characters." }).WaitForAsync();
        Assert.Empty(await fixture.FolderAsync(lucy, SpecialFolder.Sent));
        Assert.Empty(await fixture.FolderAsync(betty, SpecialFolder.Inbox));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task LinkWithLineBreaksInToIsNotUsed()
    {
        var lucy = await fixture.NewAccountAsync("lucy");
        var page = await fixture.SignInAsync(lucy);

        await fixture.OpenAsync(page, "/compose?to=betty%40local.example%0D%0ABcc%3A%20evil%40b.example");

        await page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "The address in the link was not used: it contains line breaks or NUL characters." }).WaitForAsync();
        Assert.Equal("", await ComposeFixture.AddressesAsync(page, "To"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task CrLfInAnyHeaderFieldIsRefusedBeforeTheSubmitter()
    {
        // CR/LF cannot come out of the browser's single-line inputs, but a forged circuit message could
        // carry them: the service that builds the message refuses them whatever sent them.
        var lucy = await fixture.NewAccountAsync("lucy");
        var betty = await fixture.NewAccountAsync("betty");
        var compose = fixture.Server.Services.GetRequiredService<ComposeService>();
        var cases = new (string Field, Action<ComposeModel> Set)[]
        {
            ("Subject", m => m.Subject = "Hi\r\nBcc: evil@b.example"),
            ("To", m => m.To = betty.Address + "\nBcc: evil@b.example"),
            ("Cc", m => m.Cc = betty.Address + "\r"),
            ("Bcc", m => m.Bcc = "evil@b.example\r\nX-Evil: 1"),
        };
        foreach (var (field, set) in cases)
        {
            var model = new ComposeModel { To = betty.Address, Subject = "Hi", Body = "Body" };
            set(model);
            var refused = await Assert.ThrowsAsync<ComposeException>(() => compose.SendNowAsync(lucy.Id, model, default));
            Assert.Equal($"The {field} field cannot contain line breaks or NUL characters.", refused.Message);
        }
        Assert.Empty(await fixture.FolderAsync(lucy, SpecialFolder.Sent));
        Assert.Empty(await fixture.FolderAsync(betty, SpecialFolder.Inbox));
    }

    [Fact]
    public async Task AutocompleteOffersAddressesFromHistoryAndTheLocalDirectory()
    {
        var lucy = await fixture.NewAccountAsync("lucy");
        var dora = await fixture.NewAccountAsync("doravia", "Dora Via", "");
        var received = new MimeMessage();
        received.From.Add(new MailboxAddress("Zed History", "zed.history@remote.example"));
        received.To.Add(new MailboxAddress("", lucy.Address));
        received.Subject = "Hi Lucy";
        received.Body = new TextPart("plain") { Text = "Hello." };
        await fixture.DeliverAsync(lucy, received);
        var page = await fixture.SignInAsync(lucy);
        await fixture.OpenAsync(page, "/compose");

        await Field(page, "To").PressSequentiallyAsync("zed");
        var toSuggestions = page.GetByRole(AriaRole.Listbox, new() { Name = "Suggestions for To" });
        await toSuggestions.GetByRole(AriaRole.Option).Filter(new() { HasText = "zed.history@remote.example" }).WaitForAsync();
        await Field(page, "To").PressAsync("Enter");
        await page.WaitForFunctionAsync("() => document.getElementById('compose-to').closest('.compose-address').dataset.value.includes('zed.history@remote.example')");

        await Field(page, "Cc").PressSequentiallyAsync("doravi");
        var option = page.GetByRole(AriaRole.Listbox, new() { Name = "Suggestions for Cc" }).GetByRole(AriaRole.Option).Filter(new() { HasText = dora.Address });
        await option.ClickAsync();
        await page.WaitForFunctionAsync($"() => document.getElementById('compose-cc').closest('.compose-address').dataset.value.includes('{dora.Address}')");
        Assert.Contains("Dora Via", await ComposeFixture.AddressesAsync(page, "Cc"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task AutocompleteNeverOffersTheAccountItself()
    {
        var quinn = await fixture.NewAccountAsync("quinnself");
        var friend = await fixture.NewAccountAsync("quinnfriend");
        var page = await fixture.SignInAsync(quinn);
        await fixture.OpenAsync(page, "/compose");

        await Field(page, "Bcc").PressSequentiallyAsync("quinn");

        var options = page.GetByRole(AriaRole.Listbox, new() { Name = "Suggestions for Bcc" }).GetByRole(AriaRole.Option);
        await options.Filter(new() { HasText = friend.Address }).WaitForAsync();
        Assert.Equal([friend.Address], await options.AllInnerTextsAsync());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task SignatureAndDisplayNameAppearInSentMail()
    {
        var lucy = await fixture.NewAccountAsync("lucy", "Lucy Example", "Lucy Example\nExample Corp");
        var betty = await fixture.NewAccountAsync("betty");
        var page = await fixture.SignInAsync(lucy);
        await fixture.OpenAsync(page, "/compose");

        Assert.Equal($"From: Lucy Example <{lucy.Address}>", (await page.GetByTestId("compose-from").InnerTextAsync()).Trim());
        Assert.Equal("\n\n-- \nLucy Example\nExample Corp", await Field(page, "Body").InputValueAsync());
        await Field(page, "To").FillAsync(betty.Address);
        await Field(page, "Subject").FillAsync("Signed");
        await Field(page, "Body").PressAsync("Control+Home");
        await page.Keyboard.TypeAsync("Hello Betty.");
        await ComposeFixture.SendAsync(page);

        var received = Assert.Single(await fixture.WaitForAsync(betty, SpecialFolder.Inbox)).Message;
        var from = Assert.Single(received.From.Mailboxes);
        Assert.Equal("Lucy Example", from.Name);
        Assert.Equal(lucy.Address, from.Address);
        // MimeKit hands decoded text with the platform's line ends; the stored message is CRLF throughout.
        Assert.Equal("Hello Betty.\n\n-- \nLucy Example\nExample Corp", received.TextBody!.ReplaceLineEndings("\n").TrimEnd('\n'));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task RichTextIsSentAsMultipartAlternative()
    {
        var lucy = await fixture.NewAccountAsync("lucy");
        var betty = await fixture.NewAccountAsync("betty");
        var page = await fixture.SignInAsync(lucy);
        await fixture.OpenAsync(page, "/compose");
        await Field(page, "To").FillAsync(betty.Address);
        await Field(page, "Subject").FillAsync("Formatted");

        await page.GetByLabel("Rich text").CheckAsync();
        // The plain body is also a textbox named "Body" until the switch has rendered through the
        // circuit; under load CI typed into it and the words went with it. Wait for the rich editor.
        var editor = page.Locator("#compose-body-rich");
        await Assertions.Expect(editor).ToHaveAttributeAsync("aria-label", "Body");
        await Assertions.Expect(page.Locator("#compose-body")).ToHaveCountAsync(0);
        await editor.ClickAsync();
        await page.Keyboard.TypeAsync("Plain start ");
        await page.GetByRole(AriaRole.Button, new() { Name = "Bold", Exact = true }).ClickAsync();
        // The toolbar acts through the circuit: type once bold is on and the caret is back in the editor.
        await page.WaitForFunctionAsync("() => document.activeElement?.id === 'compose-body-rich' && document.queryCommandState('bold')");
        await page.Keyboard.TypeAsync("important");
        await WebFixture.ScreenshotAsync(page, "compose-rich");
        await ComposeFixture.SendAsync(page);

        var received = Assert.Single(await fixture.WaitForAsync(betty, SpecialFolder.Inbox)).Message;
        var alternative = Assert.IsType<MultipartAlternative>(received.Body);
        Assert.Equal(["text/plain", "text/html"], alternative.Select(p => p.ContentType.MimeType).ToArray());
        Assert.Contains("Plain start important", received.TextBody);
        Assert.Matches("<(b|strong)>important</(b|strong)>", received.HtmlBody);
        Assert.DoesNotContain("<script", received.HtmlBody, StringComparison.OrdinalIgnoreCase);
        await page.Context.CloseAsync();
    }
}
