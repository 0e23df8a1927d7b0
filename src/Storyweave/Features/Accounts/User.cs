using Microsoft.AspNetCore.Identity;

namespace Storyweave.Features.Accounts;

public class User : IdentityUser
{
    /// <summary>How the person wants to be called in the app (not necessarily their legal name).</summary>
    public string DisplayName { get; set; } = "";

    /// <summary>Instance administrators see and manage every project and add accounts.</summary>
    public bool IsAdmin { get; set; }

    public DateTime CreatedAt { get; set; }
}
