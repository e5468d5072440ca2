using Microsoft.Playwright;

namespace Webmail.Web.Tests.Ux;

/// <summary>Screenshots for looking at (WEBMAIL_SCREENSHOTS): desktop 1280×900 and phone 390×844, light and dark.</summary>
public static class Screens
{
    public static async Task TakeAsync(IPage page, string name, Func<Task>? afterResize = null)
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("WEBMAIL_SCREENSHOTS")))
            return;
        var original = page.ViewportSize;
        foreach (var (size, width, height) in new[] { ("desktop", 1280, 900), ("phone", 390, 844) })
        {
            await page.SetViewportSizeAsync(width, height);
            foreach (var scheme in new[] { ColorScheme.Light, ColorScheme.Dark })
            {
                // The account's theme is "system": MudBlazor follows prefers-color-scheme.
                await page.EmulateMediaAsync(new() { ColorScheme = scheme });
                await page.WaitForFunctionAsync($"() => document.querySelector('[data-theme]')?.dataset.theme === '{(scheme == ColorScheme.Dark ? "dark" : "light")}'");
                if (afterResize is not null)
                    await afterResize();
                await page.WaitForTimeoutAsync(250);
                await WebFixture.ScreenshotAsync(page, $"{name}-{size}-{(scheme == ColorScheme.Dark ? "dark" : "light")}");
            }
        }
        await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Light });
        if (original is not null)
            await page.SetViewportSizeAsync(original.Width, original.Height);
    }
}
