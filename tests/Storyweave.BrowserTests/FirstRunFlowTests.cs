using System.Text.RegularExpressions;

namespace Storyweave.BrowserTests;

/// <summary>
/// The newcomer's path in a real browser: first-run setup, sign in, create a project, add a member
/// with a role, and that member sees only what the role allows. axe-core checks every page visited.
/// </summary>
public sealed partial class FirstRunFlowTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private const string AdminEmail = "admin@example.org";
    private const string AdminPassword = "a long admin passphrase";

    private async Task VisitAsync(IPage page, string? expectHeading = null)
    {
        if (expectHeading is not null)
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync(expectHeading);
        await fixture.AssertAccessibleAsync(page);
    }

    [Fact]
    public async Task Setup_sign_in_create_project_add_member_and_the_member_sees_only_what_the_role_allows()
    {
        await using var adminContext = await fixture.NewContextAsync();
        var page = await adminContext.NewPageAsync();

        // First run: every page leads to setup.
        await page.GotoAsync("/projects");
        Assert.EndsWith("/setup", page.Url, StringComparison.Ordinal);
        await VisitAsync(page, "Set up Storyweave");
        await page.GetByLabel("Your name").FillAsync("Alex Admin");
        await page.GetByLabel("Email address").FillAsync(AdminEmail);
        await page.GetByLabel("Choose a password").FillAsync(AdminPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create the administrator account" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/projects$"));
        await VisitAsync(page, "Projects");

        // The made-up sample project is there to look at.
        var sampleLink = page.GetByRole(AriaRole.Link, new() { NameRegex = new Regex("Sample project") });
        await Assertions.Expect(sampleLink).ToBeVisibleAsync();
        await sampleLink.ClickAsync();
        await VisitAsync(page);
        await Assertions.Expect(page.GetByText("made-up sample project")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Project" }).GetByRole(AriaRole.Link, new() { Name = "Storytellers" }).ClickAsync();
        await VisitAsync(page, "Storytellers");
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Project" }).GetByRole(AriaRole.Link, new() { Name = "Stories" }).ClickAsync();
        await VisitAsync(page, "Stories");
        await page.GetByRole(AriaRole.Link, new() { Name = "The compost rota" }).ClickAsync();
        await VisitAsync(page, "The compost rota");
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Project" }).GetByRole(AriaRole.Link, new() { Name = "Activity" }).ClickAsync();
        await VisitAsync(page, "Activity");

        // Sign out and back in.
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.GotoAsync("/account/sign-in");
        await VisitAsync(page, "Sign in");
        await page.GetByLabel("Email address").FillAsync(AdminEmail);
        await page.GetByLabel("Password").FillAsync("wrong password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("The email address or password is not right.");
        await VisitAsync(page);
        await page.GetByLabel("Password").FillAsync(AdminPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/projects$"));

        // Create a project.
        await page.GetByRole(AriaRole.Link, new() { Name = "Start a new project" }).ClickAsync();
        await VisitAsync(page, "Start a new project");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create project" }).ClickAsync(); // empty: the browser's own check stops it
        await page.GetByLabel("Project name").FillAsync("Voices from the waiting room");
        await page.GetByLabel("Conversation starter").FillAsync("Can you tell me about a time you waited for help?");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create project" }).ClickAsync();
        await VisitAsync(page, "Voices from the waiting room");
        var projectUrl = page.Url;
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Project" }).GetByRole(AriaRole.Link, new() { Name = "Settings" }).ClickAsync();
        await VisitAsync(page, "Project settings");

        // Add a person, then give them a role in the project.
        await page.GetByRole(AriaRole.Link, new() { Name = "People", Exact = true }).First.ClickAsync();
        await VisitAsync(page, "People with accounts");
        // Email is not set up here, so the account is made with a password to give in person (under the invitation form).
        await page.GetByText("Or make an account with a password to give in person").ClickAsync();
        var createForm = page.Locator("form", new() { Has = page.GetByRole(AriaRole.Button, new() { Name = "Create account" }) });
        await createForm.GetByLabel("Name", new() { Exact = true }).FillAsync("Val Viewer");
        await createForm.GetByLabel("Email address").FillAsync("val@example.org");
        await createForm.GetByRole(AriaRole.Button, new() { Name = "Create account" }).ClickAsync();
        var password = (await page.Locator("#new-password").TextContentAsync())!.Trim();
        await VisitAsync(page);

        await page.GotoAsync(projectUrl + "/members");
        await VisitAsync(page, "People in this project");
        await page.GetByLabel("Their email address").FillAsync("val@example.org");
        await page.GetByLabel(new Regex("^Viewer")).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Add to project" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Val Viewer added: Viewer.");
        await VisitAsync(page);

        // The member, in their own browser, sees the project but only what a viewer may.
        await using var memberContext = await fixture.NewContextAsync();
        var member = await memberContext.NewPageAsync();
        await fixture.SignInAsync(member, "val@example.org", password);
        await VisitAsync(member, "Projects");
        await Assertions.Expect(member.GetByRole(AriaRole.Link, new() { Name = "Voices from the waiting room" })).ToBeVisibleAsync();
        await Assertions.Expect(member.GetByRole(AriaRole.Link, new() { NameRegex = new Regex("Sample project") })).ToHaveCountAsync(0);
        await Assertions.Expect(member.GetByRole(AriaRole.Link, new() { Name = "People", Exact = true })).ToHaveCountAsync(0);

        await member.GetByRole(AriaRole.Link, new() { Name = "Voices from the waiting room" }).ClickAsync();
        await VisitAsync(member, "Voices from the waiting room");
        await Assertions.Expect(member.GetByText("Viewer: you can look at the project")).ToBeVisibleAsync();
        var tabs = member.GetByRole(AriaRole.Navigation, new() { Name = "Project" });
        await Assertions.Expect(tabs.GetByRole(AriaRole.Link, new() { Name = "Settings" })).ToHaveCountAsync(0);
        await Assertions.Expect(tabs.GetByRole(AriaRole.Link, new() { Name = "People" })).ToHaveCountAsync(0);

        await member.GotoAsync(projectUrl + "/settings");
        await VisitAsync(member, "You cannot see this page");
        var sampleId = await fixture.App.WithDbAsync(db => Task.FromResult(db.Projects.Single(p => p.IsSample).Id));
        await member.GotoAsync($"/projects/{sampleId}");
        await VisitAsync(member, "You cannot see this page");

        // Account pages.
        await member.GotoAsync("/account/password");
        await VisitAsync(member, "Your account");
        await member.GetByRole(AriaRole.Link, new() { Name = "API tokens" }).ClickAsync();
        await member.GetByLabel("Name for a new token").FillAsync("my script");
        await member.GetByRole(AriaRole.Button, new() { Name = "Create token" }).ClickAsync();
        await Assertions.Expect(member.Locator("#new-token")).ToContainTextAsync("sw_");
        await VisitAsync(member);
    }
}
