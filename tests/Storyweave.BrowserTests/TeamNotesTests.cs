using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;

namespace Storyweave.BrowserTests;

/// <summary>
/// A lead withdraws a storyteller whose name is in a team memo, follows the link to "Team notes to review",
/// rewords the memo by keyboard alone and keeps it; the page passes axe at 1280 px and 360 px (issue 18, item 5).
/// </summary>
public sealed class TeamNotesTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task A_lead_withdraws_a_storyteller_then_rewords_a_memo_naming_them_by_keyboard_on_an_accessible_page()
    {
        var app = fixture.App;
        var admin = await app.CreateAdminAsync();
        var projectId = await app.CreateProjectAsync(admin, "Tenants' garden");
        var (otherStoryId, _) = await app.CreateStoryAsync(projectId);
        var (_, tellers) = await app.CreateStoryAsync(projectId);
        await app.WithDbAsync(async db =>
        {
            (await db.Storytellers.SingleAsync(s => s.Id == tellers[0])).Name = "Perpetua Wilde";
            return await db.SaveChangesAsync();
        });
        var api = await app.ApiClientAsync(admin);
        (await api.PostAsJsonAsync($"/api/projects/{projectId}/memos?targetType=Story&targetId={otherStoryId}", new { text = "Perpetua started the seed swap" })).EnsureSuccessStatusCode();

        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();
        await fixture.SignInAsync(page, admin.Email, admin.Password);

        await page.GotoAsync($"/projects/{projectId}/storytellers/{tellers[0]}/withdraw");
        await page.GetByLabel("Type the word withdraw to confirm").FillAsync("withdraw");
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete everything held about Perpetua Wilde" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Team writing names them: 1 memo.");
        await page.GetByRole(AriaRole.Link, new() { Name = "Review the team notes that name them" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Team notes to review", Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 2 })).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^Memo on the story “Story [^”]+”$"));
        await fixture.AssertAccessibleAsync(page);

        // Keyboard only: Tab to the words, change them, Tab to "Save changes and keep", Enter.
        var words = page.GetByLabel("Change the words (for example, take the name out)");
        await TabToAsync(page, words);
        await page.Keyboard.PressAsync("Control+A");
        await page.Keyboard.TypeAsync("A storyteller started the seed swap");
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("Save changes and keep", await page.EvaluateAsync<string>("() => document.activeElement.textContent.trim()"));
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Changes saved. It shows again everywhere it did before.");
        await Assertions.Expect(page.GetByText("There is nothing to review.")).ToBeVisibleAsync();
        await fixture.AssertAccessibleAsync(page);
        Assert.Equal("A storyteller started the seed swap", await app.WithDbAsync(db => db.Memos.Where(m => m.ProjectId == projectId).Select(m => m.Text).SingleAsync()));
        Assert.Contains("\"total\":1,", await api.GetStringAsync($"/api/projects/{projectId}/search?q=seed"), StringComparison.Ordinal);

        // On a phone: a held sticky note from a second withdrawal, read and deleted at 360 px without sideways scrolling.
        var (_, more) = await app.CreateStoryAsync(projectId);
        await app.WithDbAsync(async db =>
        {
            (await db.Storytellers.SingleAsync(s => s.Id == more[0])).Name = "Barnaby Oakes";
            return await db.SaveChangesAsync();
        });
        var workshopId = await TestApp.CreateWorkshopAsync(api, projectId, 3, [], []);
        (await api.PostAsJsonAsync($"/api/projects/{projectId}/workshops/{workshopId}/notes", new { text = "Barnaby fixed the water butt, and every tenant on the third floor says so loudly" })).EnsureSuccessStatusCode();
        (await api.PostAsJsonAsync($"/api/projects/{projectId}/storytellers/{more[0]}/withdrawal/entirely", new { confirm = true })).EnsureSuccessStatusCode();

        await using var phone = await fixture.NewContextAsync(360, 740);
        var small = await phone.NewPageAsync();
        await fixture.SignInAsync(small, admin.Email, admin.Password);
        await small.GotoAsync($"/projects/{projectId}");
        await small.GetByRole(AriaRole.Link, new() { Name = "review the team notes" }).ClickAsync();
        await Assertions.Expect(small.GetByRole(AriaRole.Heading, new() { Level = 2 })).ToHaveTextAsync("Sticky note on the workshop board “Workshop”");
        await BrowserFixture.AssertNoHorizontalScrollAsync(small);
        await fixture.AssertAccessibleAsync(small);
        await small.ScreenshotAsync(new() { Path = Path.Combine(AppContext.BaseDirectory, "team-notes-360.png"), FullPage = true });
        await small.GetByRole(AriaRole.Button, new() { Name = "Delete it" }).ClickAsync();
        await Assertions.Expect(small.GetByRole(AriaRole.Status)).ToHaveTextAsync("Deleted.");
        Assert.Equal(0, await app.WithDbAsync(db => db.WorkshopCards.CountAsync(c => c.WorkshopId == workshopId)));
    }

    private static async Task TabToAsync(IPage page, ILocator target)
    {
        for (var i = 0; i < 200; i++)
        {
            if (await target.EvaluateAsync<bool>("e => e === document.activeElement")) return;
            await page.Keyboard.PressAsync("Tab");
        }
        throw new InvalidOperationException("Could not reach the element with the Tab key.");
    }
}
