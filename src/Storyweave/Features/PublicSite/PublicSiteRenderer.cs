using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;

namespace Storyweave.Features.PublicSite;

/// <summary>
/// Renders the public pages (Razor components in this folder) to HTML strings. The web endpoints and
/// the static export call the same methods with different <see cref="PublicLinks"/>, so the two sites
/// are the same pages.
/// </summary>
public sealed class PublicSiteRenderer(IServiceProvider services, ILoggerFactory loggers)
{
    public Task<string> FrontAsync(PublicSiteView site, PublicLinks links) =>
        RenderAsync<FrontPage>(new() { [nameof(FrontPage.Site)] = site, [nameof(FrontPage.Links)] = links });

    public Task<string> AllStoriesAsync(PublicSiteView site, PublicLinks links) =>
        RenderAsync<AllStoriesPage>(new() { [nameof(AllStoriesPage.Site)] = site, [nameof(AllStoriesPage.Links)] = links });

    public Task<string> ProjectAsync(PublicProjectView project, PublicLinks links) =>
        RenderAsync<ProjectPage>(new() { [nameof(ProjectPage.Project)] = project, [nameof(ProjectPage.Links)] = links });

    public Task<string> StoryAsync(PublicStoryView story, PublicLinks links, TranscriptSearch search) =>
        RenderAsync<StoryPage>(new() { [nameof(StoryPage.View)] = story, [nameof(StoryPage.Links)] = links, [nameof(StoryPage.Search)] = search });

    public Task<string> PlaylistAsync(PublicPlaylistView playlist, PublicLinks links) =>
        RenderAsync<PlaylistPage>(new() { [nameof(PlaylistPage.View)] = playlist, [nameof(PlaylistPage.Links)] = links });

    private async Task<string> RenderAsync<TPage>(Dictionary<string, object?> parameters) where TPage : IComponent
    {
        await using var renderer = new HtmlRenderer(services, loggers);
        var html = await renderer.Dispatcher.InvokeAsync(async () =>
            (await renderer.RenderComponentAsync<TPage>(ParameterView.FromDictionary(parameters))).ToHtmlString());
        return "<!DOCTYPE html>\n" + html;
    }
}
