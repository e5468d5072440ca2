using Microsoft.Playwright;
using MimeKit;
using Webmail.Core.Model;
using Webmail.Web.Tests.Compose;

namespace Webmail.Web.Tests.Ux;

/// <summary>Recipients as chips in a real Chromium: a pasted list splits, invalid entries are marked, chips go by keyboard, names match in any script.</summary>
[Collection(ComposeCollection.Name)]
public sealed class RecipientChipFlowTests(ComposeFixture fixture)
{
    [Fact]
    public async Task APastedListBecomesChipsInvalidOnesAreMarkedAndEachGoesByKeyboard()
    {
        var lucy = await fixture.NewAccountAsync("lucy");
        var betty = await fixture.NewAccountAsync("betty");
        var page = await fixture.SignInAsync(lucy);
        await page.GotoAsync(fixture.Server.BaseUrl + "/compose");
        await Webmail.Testing.Browser.WaitForInteractiveAsync(page);
        var to = page.GetByLabel("To", new() { Exact = true });
        await Assertions.Expect(to).ToBeFocusedAsync(); // a new message starts in To
        // Cc and Bcc wait behind links.
        await Assertions.Expect(page.Locator("#compose-cc")).ToHaveCountAsync(0);

        await to.DispatchEventAsync("paste");
        await to.FillAsync($"Betty Example <{betty.Address}>; carol@remote.example, not an address");
        var chips = page.Locator(".compose-address", new() { Has = page.Locator("#compose-to") }).GetByTestId("address-chip");
        await Assertions.Expect(chips).ToHaveCountAsync(3);
        await Assertions.Expect(chips.Nth(0)).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^Betty Example"));
        await Assertions.Expect(to).ToHaveValueAsync("");

        await page.GetByLabel("Subject", new() { Exact = true }).FocusAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "Not a valid address: not an address" })).ToBeVisibleAsync();
        await Assertions.Expect(chips.Nth(2)).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("invalid"));
        await Assertions.Expect(chips.Nth(2)).ToContainTextAsync("(not a valid address)");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add Cc", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("Cc", new() { Exact = true })).ToBeFocusedAsync();
        await Screens.TakeAsync(page, "recipient-chips");

        // Each chip's remove button is a named control in the Tab order.
        var remove = page.GetByRole(AriaRole.Button, new() { Name = "Remove not an address", Exact = true });
        await remove.FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(chips).ToHaveCountAsync(2);
        Assert.Equal($"Betty Example <{betty.Address}>, carol@remote.example", await ComposeFixture.AddressesAsync(page, "To"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task SuggestionsMatchDisplayNamesInAnyScriptAndReadNameAndAddress()
    {
        var lucy = await fixture.NewAccountAsync("lucy");
        var received = new MimeMessage();
        received.From.Add(new MailboxAddress("Пётр Иванов", "petr@b.example"));
        received.To.Add(new MailboxAddress("", lucy.Address));
        received.Subject = "Привет";
        received.Body = new TextPart("plain") { Text = "Здравствуйте." };
        await fixture.DeliverAsync(lucy, received);
        var page = await fixture.SignInAsync(lucy);
        await fixture.OpenAsync(page, "/compose");

        // Lower case, and е for ё: folded as the suggestions compare.
        await page.GetByLabel("To", new() { Exact = true }).PressSequentiallyAsync("петр");
        var option = page.GetByRole(AriaRole.Listbox, new() { Name = "Suggestions for To" }).GetByRole(AriaRole.Option);
        await Assertions.Expect(option).ToHaveTextAsync(["Пётр Иванов <petr@b.example>"]);
        await page.GetByLabel("To", new() { Exact = true }).PressAsync("Enter");

        var chip = page.GetByTestId("address-chip");
        await Assertions.Expect(chip).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^Пётр Иванов"));
        await Assertions.Expect(chip).ToHaveAttributeAsync("title", "Пётр Иванов <petr@b.example>");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ACommaTypedInsideAQuotedNameDoesNotEndTheChip()
    {
        var lucy = await fixture.NewAccountAsync("lucy");
        var page = await fixture.SignInAsync(lucy);
        await fixture.OpenAsync(page, "/compose");
        var to = page.GetByLabel("To", new() { Exact = true });

        // Typed key by key: the comma after "Doe" is inside the quotes and ends nothing...
        var chips = page.GetByTestId("address-chip");
        await to.PressSequentiallyAsync("\"Doe, Jane\" <jane@example.com>");
        await Assertions.Expect(page.Locator(".compose-address[data-value='\"Doe, Jane\" <jane@example.com>']")).ToHaveCountAsync(1);
        await Assertions.Expect(chips).ToHaveCountAsync(0);
        // ...the one after the address does.
        await to.PressAsync(",");
        await Assertions.Expect(chips).ToHaveCountAsync(1);
        await Assertions.Expect(to).ToHaveValueAsync("");
        await to.PressSequentiallyAsync("bob@example.com");
        await Assertions.Expect(page.Locator(".compose-address[data-value$=', bob@example.com']")).ToHaveCountAsync(1);
        await to.PressAsync(",");
        await Assertions.Expect(to).ToHaveValueAsync("");
        Assert.Equal(["\"Doe, Jane\" <jane@example.com>", "bob@example.com"], await chips.EvaluateAllAsync<string[]>("els => els.map(e => e.title)"));
        await Assertions.Expect(chips.Nth(0)).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^Doe, Jane"));
        Assert.Equal("\"Doe, Jane\" <jane@example.com>, bob@example.com", await ComposeFixture.AddressesAsync(page, "To"));
        await page.Context.CloseAsync();
    }

    private static ILocator Chips(IPage page, string id) =>
        page.Locator(".compose-address", new() { Has = page.Locator("#" + id) }).GetByTestId("address-chip");

    [Fact]
    public async Task TypingFastAfterACommaLosesNoCharacter()
    {
        var lucy = await fixture.NewAccountAsync("lucy");
        await fixture.NewAccountAsync("dora"); // so that "d" has a suggestion
        var page = await fixture.SignInAsync(lucy);
        await fixture.OpenAsync(page, "/compose");
        var to = page.GetByLabel("To", new() { Exact = true });

        // No pause between keys: the browser splits, so nothing waits for the server between a comma and the next key.
        await to.PressSequentiallyAsync("a@x.example, b@y.example,c@z.example, \"Doe, Jane\" <jane@x.example>;d", new() { Delay = 0 });

        var chips = Chips(page, "compose-to");
        await Assertions.Expect(chips).ToHaveCountAsync(4);
        await Assertions.Expect(to).ToHaveValueAsync("d");
        Assert.Equal(["a@x.example", "b@y.example", "c@z.example", "\"Doe, Jane\" <jane@x.example>"], await chips.EvaluateAllAsync<string[]>("els => els.map(e => e.title)"));
        await Assertions.Expect(chips.Nth(3)).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^Doe, Jane"));
        await Assertions.Expect(page.Locator(".compose-address[data-value='a@x.example, b@y.example, c@z.example, \"Doe, Jane\" <jane@x.example>, d']")).ToHaveCountAsync(1);

        // "d" has suggestions (Dora); typed on without a wait, they are stale, and Enter ends the entry typed, not
        // the first suggestion for "d".
        await Assertions.Expect(page.GetByRole(AriaRole.Listbox, new() { Name = "Suggestions for To" })).ToBeVisibleAsync();
        await to.PressSequentiallyAsync("@w.example", new() { Delay = 0 });
        await to.PressAsync("Enter");
        await to.PressSequentiallyAsync("e@v.example", new() { Delay = 0 });
        await Assertions.Expect(chips).ToHaveCountAsync(5);
        await Assertions.Expect(chips.Nth(4)).ToHaveAttributeAsync("title", "d@w.example");
        await Assertions.Expect(to).ToHaveValueAsync("e@v.example");
        Assert.Equal("a@x.example, b@y.example, c@z.example, \"Doe, Jane\" <jane@x.example>, d@w.example, e@v.example", await ComposeFixture.AddressesAsync(page, "To"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task APastedListOfFiveBecomesFiveChips()
    {
        var lucy = await fixture.NewAccountAsync("lucy");
        var page = await fixture.SignInAsync(lucy);
        await page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"], new() { Origin = fixture.Server.BaseUrl });
        await fixture.OpenAsync(page, "/compose");
        var to = page.GetByLabel("To", new() { Exact = true });
        const string list = "\"Doe, Jane\" <jane@x.example>, b@y.example; c@z.example,Dee Example <d@w.example>, e@v.example";
        await page.EvaluateAsync("text => navigator.clipboard.writeText(text)", list);

        await to.FocusAsync();
        await page.Keyboard.PressAsync("Control+V");

        var chips = Chips(page, "compose-to");
        await Assertions.Expect(chips).ToHaveCountAsync(5);
        await Assertions.Expect(to).ToHaveValueAsync("");
        Assert.Equal(["\"Doe, Jane\" <jane@x.example>", "b@y.example", "c@z.example", "Dee Example <d@w.example>", "e@v.example"], await chips.EvaluateAllAsync<string[]>("els => els.map(e => e.title)"));
        // Typing straight after the paste starts the next entry.
        await to.PressSequentiallyAsync("f@u.example,", new() { Delay = 0 });
        await Assertions.Expect(chips).ToHaveCountAsync(6);
        await Assertions.Expect(to).ToHaveValueAsync("");
        await Screens.TakeAsync(page, "recipient-paste");
        await page.Context.CloseAsync();
    }
}
