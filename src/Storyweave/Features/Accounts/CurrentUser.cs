using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;

namespace Storyweave.Features.Accounts;

/// <summary>
/// The signed-in account for this request, read from the database once per request, so that a
/// changed admin flag or a removed membership takes effect on the very next request.
/// </summary>
public sealed class CurrentUser(IHttpContextAccessor http, StoryweaveDb db)
{
    private User? _user;
    private bool _loaded;

    public string? Id => http.HttpContext?.User.FindFirstValue(ClaimTypes.NameIdentifier);

    public async Task<User?> GetAsync(CancellationToken ct = default)
    {
        if (_loaded) return _user;
        _loaded = true;
        var id = Id;
        _user = id is null ? null : await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == id, ct);
        return _user;
    }

    public string RequiredId => Id ?? throw new InvalidOperationException("No signed-in user.");
}
