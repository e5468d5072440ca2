using Webmail.Compose;

namespace Webmail.Web.Tests.Compose;

/// <summary>
/// Where one address ends is decided twice: in the browser as the user types (wwwroot/address-field.js) and on the
/// server for what it is handed and for drafts (<see cref="AddressField.Separators"/>). The rule is one; these tests
/// hold the two implementations to it in a real Chromium, on hand-picked cases and on random text.
/// </summary>
[Collection(ComposeCollection.Name)]
public sealed class AddressFieldParityTests(ComposeFixture fixture)
{
    private static readonly string[] Cases =
    [
        "", "a@x.example", "a@x.example, b@y.example", "a;b,c", ",,;;",
        "\"Doe, Jane\" <jane@x.example>, bob@y.example",
        "\"Doe \\\" , Jane\" <jane@x.example>; c", "Jane (work, main) <jane@x.example>, d",
        "(nested (comment, here) still) e, f", "<odd,angle@x.example>, g", "\"unterminated, quote",
        "a\\,b, c", "(\\), x), y", "Ünïcødé, 名前 <n@x.example>; 😀, z",
    ];

    [Fact]
    public async Task TheBrowserAndTheServerSplitAddressesAlike()
    {
        var random = new Random(20261206);
        const string alphabet = "ab@.,;\"\\()<> ";
        var texts = Cases.Concat(Enumerable.Range(0, 2000).Select(_ =>
            new string(Enumerable.Range(0, random.Next(1, 24)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray()))).ToArray();

        var page = await fixture.Browser.NewPageAsync();
        await page.GotoAsync(fixture.Server.BaseUrl + "/login");
        var inBrowser = await page.EvaluateAsync<int[][]>("texts => texts.map(t => window.webmail.addressField.separators(t))", texts);

        for (var i = 0; i < texts.Length; i++)
            Assert.True(AddressField.Separators(texts[i]).SequenceEqual(inBrowser[i]),
                $"«{texts[i]}»: server [{string.Join(',', AddressField.Separators(texts[i]))}], browser [{string.Join(',', inBrowser[i])}]");
        await page.Context.CloseAsync();
    }
}
