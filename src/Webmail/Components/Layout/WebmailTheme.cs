using MudBlazor;

namespace Webmail.Components.Layout;

/// <summary>
/// MudBlazor's default theme with hairline dividers: its stock <c>DividerLight</c> is 80 % black (and
/// 80 % white in the dark palette), which drew near-black lines between the message rows.
/// </summary>
public static class WebmailTheme
{
    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Divider = "rgba(0,0,0,0.12)",
            DividerLight = "rgba(0,0,0,0.07)",
        },
        PaletteDark = new PaletteDark
        {
            Divider = "rgba(255,255,255,0.14)",
            DividerLight = "rgba(255,255,255,0.08)",
        },
    };
}
