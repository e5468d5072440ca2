namespace Webmail.Sieve.Tests;

/// <summary>The tests of RFC 5228 §5 and the extensions, on small messages.</summary>
public class TestCommandTests
{
    private const string Encoded =
        "From: =?UTF-8?Q?Ren=C3=A9e?= <renee@exemple.fr>\r\nTo: x@example.net\r\n" +
        "Subject: =?ISO-8859-1?Q?Caf=E9?= =?UTF-8?B?IOKAlA==?= menu\r\n\r\nbody\r\n";

    private static bool Fires(string test, string message = ScriptRun.DefaultMessage, SieveEnvelope? envelope = null,
        SieveRunContext? context = null, string require = "")
    {
        var script = $"require [\"fileinto\"{require}];\nif {test} {{ fileinto \"hit\"; }}";
        var actions = ScriptRun.Actions(script, message, envelope, context);
        return actions[0] == "fileinto \"hit\"";
    }

    [Theory]
    [InlineData("header :is \"subject\" \"Café — menu\"")]
    [InlineData("header :contains \"from\" \"Renée\"")]
    [InlineData("address :is \"from\" \"renee@exemple.fr\"")]
    public void HeaderTestsSeeDecodedEncodedWords(string test) => Assert.True(Fires(test, Encoded));

    [Theory]
    [InlineData("address :localpart \"to\" \"bob+work\"", true)]
    [InlineData("address :domain \"to\" \"EXAMPLE.net\"", true)]
    [InlineData("address :user \"to\" \"bob\"", true)]
    [InlineData("address :detail \"to\" \"work\"", true)]
    [InlineData("address :detail \"from\" \"\"", false)]
    [InlineData("address :all :is \"from\" \"Alice <alice@example.com>\"", false)]
    public void AddressPartsSplitTheAddress(string test, bool fires) =>
        Assert.Equal(fires, Fires(test, require: ", \"subaddress\""));

    [Fact]
    public void SubaddressSeparatorIsConfigurable()
    {
        var options = new SieveOptions { SubaddressSeparator = '-' };
        var message = ScriptRun.DefaultMessage.Replace("bob+work", "bob-home", StringComparison.Ordinal);

        var actions = ScriptRun.Actions("require [\"subaddress\", \"fileinto\"]; if address :detail \"to\" \"home\" { fileinto \"home\"; }", message, options: options);

        Assert.Equal(["fileinto \"home\""], actions);
    }

    [Fact]
    public void EnvelopeNullSenderComparesAsEmpty()
    {
        var bounce = new SieveEnvelope("", "bob@example.net");

        Assert.True(Fires("envelope :is \"from\" \"\"", envelope: bounce, require: ", \"envelope\""));
        Assert.False(Fires("envelope :localpart :matches \"from\" \"*\"", envelope: bounce, require: ", \"envelope\""));
    }

    [Fact]
    public void EnvelopeAuthIsTheAuthenticatedUser()
    {
        var submitted = new SieveEnvelope("bob@example.net", "carol@example.net", Auth: "bob@example.net");

        Assert.True(Fires("envelope :is \"auth\" \"bob@example.net\"", envelope: submitted, require: ", \"envelope\""));
        Assert.False(Fires("envelope :matches \"auth\" \"*\"", require: ", \"envelope\""));
    }

    [Fact]
    public void SizeComparesStrictly()
    {
        var size = System.Text.Encoding.UTF8.GetByteCount(ScriptRun.DefaultMessage);

        Assert.True(Fires($"size :over {size - 1}"));
        Assert.False(Fires($"size :over {size}"));
        Assert.False(Fires($"size :under {size}"));
        Assert.True(Fires($"size :under {size + 1}"));
    }

    [Fact]
    public void DateWithoutZoneUsesTheCallersLocalZone()
    {
        var tokyo = new SieveRunContext { Now = ScriptRun.Now, LocalTimeZone = TimeZoneInfo.CreateCustomTimeZone("JST", TimeSpan.FromHours(9), "JST", "JST") };

        Assert.True(Fires("date :is \"date\" \"hour\" \"21\"", context: tokyo, require: ", \"date\""));
        Assert.True(Fires("date :is \"date\" \"hour\" \"12\"", require: ", \"date\""));
    }

    [Fact]
    public void ZonesBeyondFourteenHoursWork()
    {
        Assert.True(Fires("date :zone \"+2330\" :is \"date\" \"iso8601\" \"2026-12-05T11:30:00+23:30\"", require: ", \"date\""));
        Assert.True(Fires("currentdate :zone \"-2359\" :is \"zone\" \"-2359\"", require: ", \"date\""));
    }

    [Fact]
    public void CurrentDateIsTheCallersNow()
    {
        Assert.True(Fires("currentdate :is \"date\" \"2026-12-05\"", require: ", \"date\""));
        Assert.True(Fires("currentdate :zone \"-1000\" :is \"date\" \"2026-12-05\"", require: ", \"date\""));
        Assert.True(Fires("currentdate :zone \"+1000\" :is \"iso8601\" \"2026-12-06T01:30:00+10:00\"", require: ", \"date\""));
        Assert.True(Fires("currentdate :is \"weekday\" \"6\"", require: ", \"date\""));
    }

    [Fact]
    public void BodyTextSkipsAttachmentsAndMarkup()
    {
        const string message = "From: a@example.com\r\nSubject: s\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
            "--b\r\nContent-Type: text/html\r\n\r\n<p>Hello&nbsp;<b>world</b></p>\r\n" +
            "--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nc2VjcmV0\r\n--b--\r\n";

        Assert.True(Fires("body :contains \"world\"", message, require: ", \"body\""));
        Assert.False(Fires("body :contains \"<b>\"", message, require: ", \"body\""));
        Assert.False(Fires("body :contains \"secret\"", message, require: ", \"body\""));
        Assert.True(Fires("body :content \"application/octet-stream\" :contains \"secret\"", message, require: ", \"body\""));
        Assert.True(Fires("body :raw :contains \"c2VjcmV0\"", message, require: ", \"body\""));
    }

    [Fact]
    public void MatchVariablesComeFromTheLastSuccessfulMatch()
    {
        var actions = ScriptRun.Actions("require [\"variables\", \"fileinto\"];\n" +
            "if header :matches \"subject\" \"* report\" { set \"kind\" \"${1}\"; }\n" +
            "if header :matches \"subject\" \"nothing*\" { set \"kind\" \"never\"; }\n" +
            "fileinto \"${kind}/${0}\";");

        Assert.Equal(["fileinto \"Quarterly/Quarterly report\""], actions);
    }

    [Fact]
    public void RegexGroupsBecomeMatchVariables() =>
        Assert.Equal(["fileinto \"Q-report\""], ScriptRun.Actions(
            "require [\"regex\", \"variables\", \"fileinto\"]; if header :regex \"subject\" \"^(Q)uarterly ([a-z]+)$\" { fileinto \"${1}-${2}\"; }"));

    [Fact]
    public void VariablesAreCutAtTheSizeLimit()
    {
        var options = new SieveOptions { Limits = new SieveLimits { MaxVariableSize = 5 } };

        Assert.Equal(["fileinto \"abcde\""], ScriptRun.Actions("require [\"variables\", \"fileinto\"]; set \"v\" \"abcdefgh\"; fileinto \"${v}\";", options: options));
    }

    [Fact]
    public void EncodedCharactersAreDecodedOnlyWhenRequired()
    {
        Assert.Equal(["fileinto \"Héllo\""], ScriptRun.Actions("require [\"encoded-character\", \"fileinto\"]; fileinto \"H${unicode:E9}${hex:6c 6C}o\";"));
        Assert.Equal(["fileinto \"${hex:41}\""], ScriptRun.Actions("require \"fileinto\"; fileinto \"${hex:41}\";"));
    }

    [Fact]
    public void IndexCountsFieldsFromEitherEnd()
    {
        const string message = "Received: one\r\nReceived: two\r\nReceived: three\r\nSubject: s\r\n\r\nb\r\n";

        Assert.True(Fires("header :index 2 :is \"received\" \"two\"", message, require: ", \"index\""));
        Assert.True(Fires("header :index 1 :last :is \"received\" \"three\"", message, require: ", \"index\""));
        Assert.False(Fires("header :index 4 :matches \"received\" \"*\"", message, require: ", \"index\""));
    }

    [Fact]
    public void RelationalCountsValues()
    {
        Assert.True(Fires("address :count \"eq\" :comparator \"i;ascii-numeric\" [\"to\", \"from\"] \"2\"",
            require: ", \"relational\", \"comparator-i;ascii-numeric\""));
        Assert.True(Fires("header :value \"lt\" \"subject\" \"R\"", require: ", \"relational\""));
    }
}
