using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Storyweave.Features.Accounts;
using Storyweave.Features.PublicSite;

namespace Storyweave.Features.Home;

/// <summary>
/// The home page: members see their start page; everyone else sees the public story site's front
/// page (the same page <c>storyweave publish</c> writes as index.html).
/// </summary>
[AllowAnonymous]
public sealed class IndexModel(CurrentUser me, PublicSiteReader reader, PublicSiteRenderer renderer, PublicPageCache cache) : PageModel
{
    public User? Me { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        Me = await me.GetAsync();
        if (Me is not null) return Page();
        var page = await cache.GetOrRenderAsync(HttpContext, "front", async () => await renderer.FrontAsync(await reader.SiteAsync(HttpContext.RequestAborted), LivePublicLinks.Instance));
        var body = page!.Body(HttpContext);
        Response.Headers.CacheControl = "no-cache";
        return File(body, PublicPage.ContentType);
    }
}
