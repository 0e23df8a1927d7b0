using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;
using Storyweave.Features.Stories;
using Storyweave.Hosting;

namespace Storyweave.Features.Media;

/// <summary>
/// Uploading without JavaScript: the recordings page's form posts here. A page of its own so that it
/// can require <see cref="Policies.GatherStories"/> while the recordings page needs only
/// <see cref="Policies.ViewProject"/>. The form's token is checked by <see cref="MediaUploader"/> as
/// the body streams in, so automatic antiforgery and form model binding (which would read the whole
/// file into memory first) are turned off here.
/// </summary>
[Authorize(Policy = Policies.GatherStories)]
[IgnoreAntiforgeryToken]
[DisableFormValueModelBinding]
public sealed class UploadModel(StoryweaveDb db, ProjectAccessService access, MediaUploader uploader, CurrentUser current, StoryweaveOptions options)
    : ProjectPageModel(db, access)
{
    [FromRoute] public int StoryId { get; set; }
    public Story Story { get; private set; } = null!;
    public List<string> Errors { get; } = [];
    public UploadFormModel UploadForm => new(ProjectId, StoryId, options.MaxUploadBytes);

    [TempData] public string? UploadedName { get; set; }

    public async Task<IActionResult> OnGetAsync() => await LoadStoryAsync() ? Page() : NotFound();

    public async Task<IActionResult> OnPostAsync()
    {
        if (!await LoadStoryAsync()) return NotFound();
        var outcome = await uploader.UploadAsync(HttpContext, ProjectId, StoryId, current.RequiredId, tokenInForm: true);
        if (outcome.Media is { } media)
        {
            UploadedName = media.OriginalFileName;
            return Redirect($"/projects/{ProjectId}/stories/{StoryId}/recordings");
        }
        Errors.Add(outcome.Error!);
        Response.StatusCode = outcome.Status;
        return Page();
    }

    private async Task<bool> LoadStoryAsync()
    {
        var story = await Db.Stories.AsNoTracking().SingleOrDefaultAsync(s => s.Id == StoryId && s.ProjectId == ProjectId, HttpContext.RequestAborted);
        if (story is null) return false;
        Story = story;
        return true;
    }
}

/// <summary>Stops MVC from reading a form body into memory for model binding (large uploads are streamed instead).</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed class DisableFormValueModelBindingAttribute : Attribute, IResourceFilter
{
    public void OnResourceExecuting(ResourceExecutingContext context)
    {
        context.ValueProviderFactories.RemoveType<FormValueProviderFactory>();
        context.ValueProviderFactories.RemoveType<FormFileValueProviderFactory>();
        context.ValueProviderFactories.RemoveType<JQueryFormValueProviderFactory>();
    }

    public void OnResourceExecuted(ResourceExecutedContext context)
    {
    }
}
