using System.Net;
using Storyweave.Features.Projects;
using Storyweave.Features.PublicSite;

namespace Storyweave.Tests.PublicSite;

/// <summary>Archiving a project takes everything it published off the public site and the static export at once; restoring brings it back.</summary>
public sealed class ArchivedProjectTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    [Fact]
    public async Task Archiving_takes_stories_playlists_and_report_files_off_the_public_site_and_restoring_brings_them_back()
    {
        var lead = await App.CreateUserAsync(name: "Lena Lead");
        var projectId = await App.CreateProjectAsync(lead, App.Unique("Archive me "));
        var wav = await TestMedia.SpeechAsync(Path.Combine(App.DataDir, $"archive-{Guid.NewGuid():N}.wav"));
        var story = await App.CreatePublicStoryAsync(projectId, "Archived story words", [new("Alice Named")], "words of the archived story", published: true, wav);
        var (playlistId, clipIds) = await App.CreatePlaylistAsync(projectId, "Archived playlist", published: true, wav, [new(story.Id, story.MediaId!.Value, Title: "A clip")]);
        var fileId = await App.CreateReportFileAsync(projectId, "Archived report", "# Archived report", published: true);
        var urls = new[]
        {
            $"/stories/{projectId}", $"/stories/{projectId}/{story.Id}", $"/stories/{projectId}/{story.Id}/captions",
            $"/stories/{projectId}/{story.Id}/recording/{story.MediaId}", $"/stories/{projectId}/playlists/{playlistId}",
            $"/stories/{projectId}/playlists/{playlistId}/clips/{clipIds[0]}", $"/stories/{projectId}/reports/{fileId}",
        };
        var client = App.AnonymousClient();
        foreach (var url in urls) Assert.True((await client.GetAsync(url)).IsSuccessStatusCode, url);

        var member = await App.SignInAsync(lead);
        var settings = $"/projects/{projectId}/settings";
        Assert.Contains("takes its stories, playlists and reports off the public story site", await member.GetStringAsync(settings), StringComparison.Ordinal);
        var archived = await TestApp.PostFormAsync(member, settings, [], $"{settings}?handler=archive");
        Assert.Equal(HttpStatusCode.Redirect, archived.StatusCode);

        foreach (var url in urls) Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(url)).StatusCode);
        Assert.DoesNotContain("Archived story words", await client.GetStringAsync("/stories"), StringComparison.Ordinal);
        Assert.DoesNotContain("Archived story words", await client.GetStringAsync("/"), StringComparison.Ordinal);
        var outDir = Path.Combine(App.DataDir, "site-" + Guid.NewGuid().ToString("N"));
        await App.WithServiceAsync<StaticSiteExporter, StaticSiteExporter.Summary>(e => e.ExportAsync(outDir, TextWriter.Null));
        Assert.DoesNotContain(Directory.EnumerateFiles(outDir, "*", SearchOption.AllDirectories),
            f => File.ReadAllText(f).Contains("Archived story words", StringComparison.Ordinal) || f.Contains($"{Path.DirectorySeparatorChar}{projectId}{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

        await App.WithServiceAsync<ProjectService, bool>(async s => { await s.SetArchivedAsync(projectId, false, lead.Id); return true; });
        foreach (var url in urls) Assert.True((await client.GetAsync(url)).IsSuccessStatusCode, url);
    }
}
