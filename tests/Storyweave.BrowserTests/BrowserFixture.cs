using System.Text.Json;
using System.Text.RegularExpressions;

namespace Storyweave.BrowserTests;

/// <summary>
/// One app and one headless Debian Chromium per test class. Pages are checked with axe-core
/// (from npm, next to this project) for WCAG 2.2 A/AA violations.
/// </summary>
public class BrowserFixture : IAsyncLifetime
{
    public TestApp App { get; private set; } = null!;
    public IPlaywright Playwright { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;
    private string _axeSource = "";

    public async Task InitializeAsync()
    {
        // CI shares two cores between the app, ffmpeg, Chromium and the test: an expectation waits up to 20 s for
        // what a user would see (it returns as soon as it is true; it is not a timing assertion).
        Assertions.SetDefaultExpectTimeout(20_000);
        App = await StartAppAsync();
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("STORYWEAVE_CHROMIUM") ?? "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required"],
        });
        _axeSource = await File.ReadAllTextAsync(FindAxe());
    }

    /// <summary>The app under test; a fixture for one feature may start it with other settings.</summary>
    protected virtual Task<TestApp> StartAppAsync() => TestApp.StartAsync(seedSample: true, withAdmin: false);

    public async Task<IBrowserContext> NewContextAsync(int width = 1280, int height = 900) =>
        await WatchCspAsync(await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = App.BaseUrl, ViewportSize = new ViewportSize { Width = width, Height = height } }));

    /// <summary>
    /// Signs in on the sign-in page as a person would (email, password, the button) and waits to land on the next page.
    /// If the page does not move on, the failure says what the page showed and what the server logged meanwhile.
    /// </summary>
    public async Task SignInAsync(IPage page, string email, string password)
    {
        var responses = new List<string>();
        void Seen(object? sender, IResponse r)
        {
            lock (responses) responses.Add($"{DateTime.UtcNow:HH:mm:ss.fff} {r.Request.Method} {r.Url} {r.Status}");
        }
        page.Response += Seen;
        try
        {
            await page.GotoAsync("/account/sign-in", new() { WaitUntil = WaitUntilState.Commit });
            await page.GetByLabel("Email address").FillAsync(email);
            await page.GetByLabel("Password").FillAsync(password);
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            // Not the browser's "load" event: wait for the address of the next page.
            await Assertions.Expect(page).Not.ToHaveURLAsync(new Regex("/account/sign-in"), new() { Timeout = 45_000 });
        }
        catch (PlaywrightException e)
        {
            var shown = await page.Locator("main").InnerTextAsync(new() { Timeout = 5_000 }).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : "(could not be read)", TaskScheduler.Default);
            string seen;
            lock (responses) seen = string.Join("\n", responses);
            throw new InvalidOperationException(
                $"Signing in did not leave {page.Url} by {DateTime.UtcNow:HH:mm:ss.fff}. The page showed:\n{shown}\nResponses:\n{seen}\nThe server's last warnings:\n" + string.Join("\n", App.RecentWarnings), e);
        }
        finally
        {
            page.Response -= Seen;
        }
    }

    private readonly List<string> _cspViolations = [];

    /// <summary>
    /// Every page of the context reports Content-Security-Policy violations (the browser's
    /// securitypolicyviolation event, and its console message); <see cref="AssertNoCspViolations"/>
    /// fails on any, and every axe check and the end of the test class call it.
    /// </summary>
    public async Task<IBrowserContext> WatchCspAsync(IBrowserContext context)
    {
        await context.ExposeBindingAsync("__storyweaveCspViolation", (BindingSource source, string text) =>
        {
            lock (_cspViolations) _cspViolations.Add(text);
        });
        await context.AddInitScriptAsync(
            "document.addEventListener('securitypolicyviolation', e => window.__storyweaveCspViolation(" +
            "e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' on ' + e.documentURI + (e.sourceFile ? ' (' + e.sourceFile + ':' + e.lineNumber + ')' : '')));");
        context.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
                lock (_cspViolations) _cspViolations.Add(message.Text);
        };
        return context;
    }

    public void AssertNoCspViolations()
    {
        List<string> found;
        lock (_cspViolations)
        {
            found = [.. _cspViolations.Distinct()];
            _cspViolations.Clear();
        }
        Assert.True(found.Count == 0, $"The browser reported {found.Count} Content-Security-Policy violation(s):\n" + string.Join("\n", found));
    }

    /// <summary>Runs axe-core on the page and fails with a readable list of every violation.</summary>
    public async Task AssertAccessibleAsync(IPage page)
    {
        // Evaluated through the DevTools protocol, which the page's CSP does not govern (an inline
        // script tag would be blocked, and reported, as it should be).
        if (!await page.EvaluateAsync<bool>("() => typeof window.axe === 'object'"))
            await page.EvaluateAsync(_axeSource);
        var json = await page.EvaluateAsync<JsonElement>(
            "async () => (await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a','wcag2aa','wcag21a','wcag21aa','wcag22aa','best-practice'] } })).violations" +
            ".map(v => v.id + ' (' + v.impact + '): ' + v.help + ' at ' + v.nodes.map(n => n.target.join(' ')).join(', '))");
        var violations = json.EnumerateArray().Select(v => v.GetString()).ToList();
        Assert.True(violations.Count == 0, $"axe-core found {violations.Count} violation(s) on {page.Url}:\n" + string.Join("\n", violations));
        AssertNoCspViolations();
    }

    /// <summary>At a 360 px wide viewport nothing may need sideways scrolling.</summary>
    public static async Task AssertNoHorizontalScrollAsync(IPage page)
    {
        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        Assert.True(overflow <= 0, $"{page.Url} scrolls sideways by {overflow}px");
    }

    private static string FindAxe()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "node_modules", "axe-core", "axe.min.js");
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException("axe-core is missing: run 'npm ci' in tests/Storyweave.BrowserTests (test.sh does).");
    }

    public virtual async Task DisposeAsync()
    {
        // Violations seen after a test's last axe check still fail the test class.
        try
        {
            AssertNoCspViolations();
        }
        finally
        {
            await DisposeBrowserAsync();
        }
    }

    private async Task DisposeBrowserAsync()
    {
        await Browser.DisposeAsync();
        Playwright.Dispose();
        await App.DisposeAsync();
    }
}
