using System.Net;
using System.Text.RegularExpressions;
using Storyweave.Features.Findings;
using Storyweave.Features.PublicSite;

namespace Storyweave.Tests.Projects;

/// <summary>Small faults in the words pages show, each as a user would read it.</summary>
public sealed partial class TextFaultTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    private static int Count(string text, string part) => Regex.Count(text, Regex.Escape(part));

    [GeneratedRegex("<section id=\"public-site\".*?</section>", RegexOptions.Singleline)]
    private static partial Regex PublicSection();

    [Fact]
    public async Task A_group_storys_tellers_are_listed_without_a_space_before_the_comma_and_each_consent_line_appears_once()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var story = await App.CreatePublicStoryAsync(projectId, "Two voices", [new("Dev Sharma"), new("Jo Bright", Publish: false)], "two voices", published: true);
        var page = WebUtility.HtmlDecode(await (await App.SignInAsync(lead)).GetStringAsync($"/projects/{projectId}/stories/{story.Id}"));

        var told = Regex.Replace(Regex.Match(page, "<dt>Told by</dt>\\s*<dd>(.*?)</dd>", RegexOptions.Singleline).Groups[1].Value, "<[^>]+>", "");
        Assert.Equal("Dev Sharma, Jo Bright (a group of 2)", told);

        var status = await App.WithServiceAsync<PublicationService, PublicationService.Status?>(s => s.StatusAsync(projectId, story.Id));
        var joReason = status!.People.Single(p => p.Name == "Jo Bright").Decision.Reason;
        var section = PublicSection().Match(page).Value;
        Assert.Contains("Published, but not shown.", section, StringComparison.Ordinal);
        Assert.Equal(1, Count(section, joReason));
    }

    [Fact]
    public async Task The_public_front_page_never_offers_to_see_all_0_stories()
    {
        await using var app = await TestApp.StartAsync();
        var lead = await app.CreateUserAsync();
        var projectId = await app.CreateProjectAsync(lead, "Only a report");
        await app.CreateReportFileAsync(projectId, "What we heard", "# What we heard", published: true);
        var home = await app.AnonymousClient().GetStringAsync("/");
        Assert.Contains("Only a report", home, StringComparison.Ordinal);
        Assert.DoesNotContain("See all 0", home, StringComparison.Ordinal);
        Assert.DoesNotContain("published stories</a>", home, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Adding_template_themes_with_no_template_chosen_says_what_to_do()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var client = await App.SignInAsync(lead);
        var page = $"/projects/{projectId}/codebook";
        var response = await TestApp.PostFormAsync(client, page, [], $"{page}?handler=Template");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("There is a problem", html, StringComparison.Ordinal);
        Assert.Contains("Choose a template.", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Heat_map_row_labels_that_share_a_long_beginning_stay_different()
    {
        string[] rows =
        [
            "Benefits of co-production: better services for individuals",
            "Benefits of co-production: better services for organisations",
            "Benefits of co-production: better services for society",
            "Short",
        ];
        var labels = FindingsCharts.DistinctLabels(rows, 34);
        Assert.Equal(rows.Length, labels.Distinct().Count());
        Assert.All(labels, l => Assert.True(l.Length <= 34, l));
        Assert.EndsWith("individuals", labels[0], StringComparison.Ordinal);
        Assert.Equal("Short", labels[3]);
    }
}
