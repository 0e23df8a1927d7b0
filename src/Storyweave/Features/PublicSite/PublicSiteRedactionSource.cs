using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Redaction;

namespace Storyweave.Features.PublicSite;

/// <summary>
/// Lets <see cref="RedactionCheck"/> read the public site: every story of the project that is public
/// now, rendered by the same reader and page as /stories and <c>storyweave publish</c>, as the text
/// a visitor (or a screen reader) gets.
/// </summary>
public sealed class PublicSiteRedactionSource(StoryweaveDb db, PublicSiteReader reader, PublicSiteRenderer renderer) : IRedactionCheckSource
{
    public RedactionOutput Output => RedactionOutput.PublicSite;

    public async IAsyncEnumerable<SourceOutput> OutputsAsync(int projectId, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var ids = await db.Stories.AsNoTracking().Where(s => s.ProjectId == projectId && s.PublishedAt != null).OrderBy(s => s.Id).Select(s => s.Id).ToListAsync(ct);
        foreach (var id in ids)
        {
            // Null when consent no longer lets the story be public: then the site does not show it either.
            if (await reader.StoryAsync(projectId, id, ct) is not { } story) continue;
            var html = await renderer.StoryAsync(story, LivePublicLinks.Instance, TranscriptSearch.Parse(null));
            yield return new SourceOutput("Public story page", story.Story.Title, LivePublicLinks.Instance.Story(projectId, id), RedactionCheck.HtmlText(html));
        }
    }
}
