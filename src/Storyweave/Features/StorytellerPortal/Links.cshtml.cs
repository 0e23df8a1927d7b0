using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;

namespace Storyweave.Features.StorytellerPortal;

/// <summary>
/// A reporter or lead makes a storyteller's personal link here, sees its state, and turns links off.
/// A new link's address and code are shown once, in the response to the POST (never stored, never
/// cached), as a printable handout and a text to copy into an email.
/// </summary>
[Authorize(Policy = Policies.GatherStories)]
public sealed class LinksModel(StoryweaveDb db, ProjectAccessService access, StorytellerLinkService links, StorytellerLinkEmail linkEmail, CurrentUser current, TimeProvider clock)
    : ProjectPageModel(db, access)
{
    [FromRoute] public int StorytellerId { get; set; }
    public string PersonName { get; private set; } = "";
    public string? PersonEmail { get; private set; }
    public List<StorytellerLink> Links { get; private set; } = [];
    public Dictionary<string, string> Names { get; private set; } = [];
    public StorytellerLinkService.NewLink? Created { get; private set; }
    public string CreatedBy { get; private set; } = "";
    public int Days { get; set; } = StorytellerLinkService.DefaultDays;
    public List<string> Errors { get; } = [];

    /// <summary>Set after the link was emailed: whom it went to (the page says so; the code is not shown).</summary>
    public string? EmailedTo { get; private set; }

    /// <summary>Leads may email a link (it uses the person's contact address) when there is one and email is set up.</summary>
    public bool CanEmail => Access.CanManageProject && !string.IsNullOrWhiteSpace(PersonEmail) && linkEmail.IsSetUp;

    public bool EmailIsSetUp => linkEmail.IsSetUp;
    public DateTime Now => clock.GetUtcNow().UtcDateTime;

    public string FullAddress(StorytellerLinkService.NewLink link) => $"{Request.Scheme}://{Request.Host}{link.Path}";

    /// <summary>The address as a QR code (a PNG in a data address, so the handout prints as one page with no other request).</summary>
    public static string QrCode(string address) =>
        "data:image/png;base64," + Convert.ToBase64String(QrPng(address));

    /// <summary>Medium error correction survives a crease or a smudge on a printed handout.</summary>
    public static byte[] QrPng(string address)
    {
        using var generator = new QRCoder.QRCodeGenerator();
        using var data = generator.CreateQrCode(address, QRCoder.QRCodeGenerator.ECCLevel.M);
        return new QRCoder.PngByteQRCode(data).GetGraphic(8);
    }

    public async Task<IActionResult> OnGetAsync() => await LoadAsync() ? Page() : NotFound();

    public async Task<IActionResult> OnPostCreateAsync(string? days)
    {
        if (!await LoadAsync()) return NotFound();
        int? parsed = null;
        if (!string.IsNullOrWhiteSpace(days))
        {
            if (!int.TryParse(days, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var d))
            {
                Errors.Add($"Write how many days the link works as a whole number, from 1 to {StorytellerLinkService.MaxDays}.");
                return Page();
            }
            parsed = d;
            Days = d;
        }
        var result = await links.CreateAsync(ProjectId, StorytellerId, parsed, current.RequiredId, HttpContext.RequestAborted);
        if (!result.Succeeded)
        {
            Errors.AddRange(result.Errors);
            return Page();
        }
        Created = result.Value;
        CreatedBy = (await current.GetAsync())?.DisplayName ?? "the project team";
        Response.Headers.CacheControl = "no-store";
        await LoadAsync();
        return Page();
    }

    /// <summary>Makes a new link (older ones stop working) and emails it to the storyteller. Leads only.</summary>
    public async Task<IActionResult> OnPostEmailAsync(string? days)
    {
        if (!await LoadAsync()) return NotFound();
        if (!Access.CanManageProject) return Forbid();
        int? parsed = null;
        if (!string.IsNullOrWhiteSpace(days))
        {
            if (!int.TryParse(days, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var d))
            {
                Errors.Add($"Write how many days the link works as a whole number, from 1 to {StorytellerLinkService.MaxDays}.");
                return Page();
            }
            parsed = d;
            Days = d;
        }
        var me = await current.GetAsync(HttpContext.RequestAborted);
        var result = await linkEmail.SendAsync(ProjectId, StorytellerId, parsed, current.RequiredId, me?.DisplayName ?? "the project team", HttpContext.RequestAborted);
        if (!result.Succeeded)
        {
            Errors.AddRange(result.Errors);
            return Page();
        }
        EmailedTo = PersonEmail;
        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync(int linkId)
    {
        if (!await LoadAsync()) return NotFound();
        if (!await links.RevokeAsync(ProjectId, StorytellerId, linkId, current.RequiredId, HttpContext.RequestAborted)) return NotFound();
        return Redirect($"/projects/{ProjectId}/storytellers/{StorytellerId}/link");
    }

    public string StateText(StorytellerLink link) => StorytellerLinkService.StateOf(link, Now) switch
    {
        LinkState.Usable => "Works",
        LinkState.Revoked => "Turned off",
        LinkState.Locked => "Locked after 5 wrong codes",
        LinkState.Expired => "Run out",
        _ => "Storyteller withdrew",
    };

    private async Task<bool> LoadAsync()
    {
        var person = await Db.Storytellers.AsNoTracking().Where(s => s.Id == StorytellerId && s.ProjectId == ProjectId)
            .Select(s => new { s.Name, s.Email }).SingleOrDefaultAsync();
        if (person is null) return false;
        PersonName = person.Name;
        PersonEmail = person.Email;
        Links = await Db.StorytellerLinks.AsNoTracking().Include(l => l.Storyteller).Where(l => l.StorytellerId == StorytellerId).OrderByDescending(l => l.Id).ToListAsync();
        var ids = Links.Select(l => l.CreatedByUserId).OfType<string>().Distinct().ToList();
        Names = await Db.Users.AsNoTracking().Where(u => ids.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.DisplayName);
        return true;
    }
}
