namespace GptOssWorkbench.Web.Components.Layout;

using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

public partial class MainLayout
{
    private const string ThemeStorageKey = "workbench.theme";

    private bool _drawerOpen = true;
    private bool _isDarkMode;
    private bool _isInteractive;

    [Inject]
    private IJSRuntime JS { get; set; } = default!;

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!firstRender)
        {
            return;
        }
        // The prerendered page is static HTML. Only after the first interactive render can we read the
        // browser's stored theme and handle clicks; data-interactive tells browser tests that moment has come.
        _isDarkMode = await ReadStoredThemeAsync() == "dark";
        _isInteractive = true;
        StateHasChanged();
    }

    private void ToggleDrawer() => _drawerOpen = !_drawerOpen;

    private async Task ToggleDarkModeAsync()
    {
        _isDarkMode = !_isDarkMode;
        try
        {
            await JS.InvokeVoidAsync("localStorage.setItem", ThemeStorageKey, _isDarkMode ? "dark" : "light");
        }
        catch (JSException)
        {
            // Storage blocked by the browser: the toggle still works for this visit.
        }
    }

    private async Task<string?> ReadStoredThemeAsync()
    {
        try
        {
            return await JS.InvokeAsync<string?>("localStorage.getItem", ThemeStorageKey);
        }
        catch (JSException)
        {
            return null;
        }
    }
}
