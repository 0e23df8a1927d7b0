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
        var id = Id;
        if (id is not null && _remembered?.Id == id)
        {
            (_user, _loaded) = (_remembered, true);
            return _user;
        }
        _loaded = true;
        _user = id is null ? null : await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == id, ct);
        return _user;
    }

    /// <summary>
    /// The account as the request's authentication has just read it (the API token's own statement), so it is not
    /// read twice. Used only while it is the signed-in account: <see cref="GetAsync"/> checks the id.
    /// </summary>
    public void Remember(User user) => _remembered = user;

    private User? _remembered;

    public string RequiredId => Id ?? throw new InvalidOperationException("No signed-in user.");
}
