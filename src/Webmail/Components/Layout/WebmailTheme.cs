using MudBlazor;

namespace Webmail.Components.Layout;

/// <summary>
/// MudBlazor's default theme with hairline dividers and text contrast of at least 4.5:1 (WCAG 2.2 AA,
/// 1.4.3) in both palettes, as axe-core checks it (tests/Webmail.Web.Tests/Accessibility).
/// </summary>
/// <remarks>
/// The stock <c>DividerLight</c> is 80 % black (80 % white in the dark palette) and drew near-black lines
/// between the message rows. The stock secondary text (snippets, dates, helper text) was 4.45:1 on the
/// list's grey, the success colour 2.1:1 (the "saved" toast and chips), error text 3.7:1; in the dark
/// palette the primary colour was 3:1 as text (the current admin section, tabs) and 4.2:1 under white
/// button text. The dark palette's primary, success, error and info are lighter and carry dark text.
/// </remarks>
public static class WebmailTheme
{
    private const string DarkInk = "#1b1a24";

    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Divider = "rgba(0,0,0,0.12)",
            DividerLight = "rgba(0,0,0,0.07)",
            TextSecondary = "rgba(0,0,0,0.62)",
            Success = "#1b5e20",
            Error = "#c62828",
            Info = "#1565c0",
            Warning = "#9a5b00",
        },
        PaletteDark = new PaletteDark
        {
            Divider = "rgba(255,255,255,0.14)",
            DividerLight = "rgba(255,255,255,0.08)",
            TextSecondary = "rgba(255,255,255,0.65)",
            Primary = "#b0a8f4",
            PrimaryContrastText = DarkInk,
            Success = "#3dd68c",
            SuccessContrastText = DarkInk,
            Error = "#ff8a80",
            ErrorContrastText = DarkInk,
            Info = "#64b5f6",
            InfoContrastText = DarkInk,
            Warning = "#ffb74d",
            WarningContrastText = DarkInk,
        },
    };
}
