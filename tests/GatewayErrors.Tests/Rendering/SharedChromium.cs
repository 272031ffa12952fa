using Deque.AxeCore.Commons;
using Microsoft.Playwright;

namespace GatewayErrors.Tests.Rendering;

/// <summary>
/// One headless Chromium for all of <see cref="BrowserPageTests"/>: each test works in browser contexts of its own (own
/// cookies, storage, clock and colour scheme), so sharing the process isolates them as well and saves a launch per test.
/// Launched on first use, so a run where every browser test is skipped never starts it.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "xunit disposes a fixture through IAsyncLifetime.DisposeAsync, which disposes the gate; IAsyncDisposable would clash with its Task-returning DisposeAsync.")]
public sealed class SharedChromium : IAsyncLifetime
{
    private static readonly string[] Args =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
    ];

    private readonly SemaphoreSlim _gate = new(1, 1);
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    /// <summary>axe-core, added to each context as an init script: injecting it per page costs about 1.5 s a page.</summary>
    public string Axe => field ??= new BundledAxeScriptProvider().GetScript();

    public async Task<IBrowser> BrowserAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_browser is { IsConnected: true })
            {
                return _browser;
            }

            Assert.True(File.Exists(ChromiumFactAttribute.ExecutablePath),
                $"Chromium not found at {ChromiumFactAttribute.ExecutablePath}: install it with 'apt-get update && apt-get install -y chromium'.");
            _playwright ??= await Playwright.CreateAsync();
            _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ChromiumFactAttribute.ExecutablePath,
                Headless = true,
                Args = Args,
            });
            return _browser;
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        _gate.Dispose();
    }
}
