namespace Storyweave.BrowserTests;

/// <summary>The browser fixture's app, sending email to a real SMTP server (aiosmtpd).</summary>
public sealed class EmailBrowserFixture : BrowserFixture
{
    public SmtpTestServer Smtp { get; private set; } = null!;

    protected override async Task<TestApp> StartAppAsync()
    {
        Smtp = await SmtpTestServer.StartAsync();
        return await TestApp.StartAsync(configureBuilder: Smtp.Configure);
    }

    public override async Task DisposeAsync()
    {
        try
        {
            await base.DisposeAsync();
        }
        finally
        {
            await Smtp.DisposeAsync();
        }
    }
}

public sealed class ForgotPasswordTests(EmailBrowserFixture fixture) : IClassFixture<EmailBrowserFixture>
{
    [Fact]
    public async Task On_a_phone_a_person_resets_a_forgotten_password_from_the_emailed_link()
    {
        var user = await fixture.App.CreateUserAsync(name: "Phone Person");
        await using var context = await fixture.NewContextAsync(360, 740);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/account/sign-in");
        await page.GetByRole(AriaRole.Link, new() { Name = "Forgot your password?" }).ClickAsync();
        await fixture.AssertAccessibleAsync(page);

        // A mistyped address: the error is summarised at the top and focused.
        await page.GetByLabel("Email address").FillAsync("not an address");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send me a link" }).ClickAsync();
        await Assertions.Expect(page.Locator(".error-summary")).ToContainTextAsync("Enter your email address");
        await Assertions.Expect(page.Locator(".error-summary")).ToBeFocusedAsync();
        await fixture.AssertAccessibleAsync(page);

        await page.GetByLabel("Email address").FillAsync(user.Email);
        await page.GetByRole(AriaRole.Button, new() { Name = "Send me a link" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"If there is an account for {user.Email}, we have sent a link to it.");
        await fixture.AssertAccessibleAsync(page);
        await BrowserFixture.AssertNoHorizontalScrollAsync(page);

        var link = SmtpTestServer.LinkPath(await fixture.Smtp.WaitForAsync(user.Email, "Choose a new Storyweave password"));
        await page.GotoAsync(link);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Choose a new password" })).ToBeVisibleAsync();
        await fixture.AssertAccessibleAsync(page);

        await page.GetByLabel("New password").FillAsync("a long new password");
        await page.GetByLabel("Type it again").FillAsync("a different one");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save the new password and sign in" }).ClickAsync();
        await Assertions.Expect(page.Locator(".error-summary")).ToContainTextAsync("The two passwords are not the same");
        await Assertions.Expect(page.Locator(".error-summary")).ToBeFocusedAsync();
        await fixture.AssertAccessibleAsync(page);
        await BrowserFixture.AssertNoHorizontalScrollAsync(page);

        await page.GetByLabel("New password").FillAsync("a long new password");
        await page.GetByLabel("Type it again").FillAsync("a long new password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save the new password and sign in" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/projects$"));
        await fixture.App.SignInAsync(user with { Password = "a long new password" });
    }
}
