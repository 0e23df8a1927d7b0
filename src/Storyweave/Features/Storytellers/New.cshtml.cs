using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.CallOut;
using Storyweave.Features.Consent;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Storytellers;

/// <summary>Assisted entry: a team member fills in the sign-up on someone's behalf. It is recorded as such.</summary>
[Authorize(Policy = Policies.GatherStories)]
public sealed class NewStorytellerModel(StoryweaveDb db, ProjectAccessService access, CallOutService callOuts, StorytellerService storytellers, CurrentUser current)
    : ProjectPageModel(db, access)
{
    [BindProperty] public StorytellerForm Form { get; set; } = new();
    [BindProperty] public ConsentMethod ConsentMethod { get; set; } = ConsentMethod.RecordedVerbally;
    public CallOut.CallOut CallOut { get; private set; } = null!;
    public List<string> Errors { get; } = [];

    public async Task OnGetAsync() => CallOut = await callOuts.GetAsync(ProjectId);

    public async Task<IActionResult> OnPostAsync()
    {
        CallOut = await callOuts.GetAsync(ProjectId);
        if (ConsentMethod == ConsentMethod.OnlineForm)
        {
            Errors.Add("Choose how they gave their consent: out loud, or on a paper form.");
            return Page();
        }
        var result = await storytellers.RegisterAsync(ProjectId, Form.ToInput(), EntryMethod.AssistedEntry, current.RequiredId, ConsentMethod);
        if (!result.Succeeded)
        {
            Errors.AddRange(result.Errors);
            return Page();
        }
        return Redirect($"/projects/{ProjectId}/storytellers/{result.Value!.Storyteller.Id}");
    }
}
