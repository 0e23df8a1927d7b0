using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Events;

namespace Storyweave.Features.Admin;

/// <summary>
/// Who may start new projects: everyone with an account (the default) or administrators only. One instance setting,
/// asked by the new-project page and <c>POST /api/projects</c> (which answers 403 with this message).
/// </summary>
public static class ProjectStarters
{
    public const string Key = "projects.who-can-start";
    public const string AdminsOnly = "admins";
    public const string Everyone = "everyone";
    public const string Refusal = "Only administrators can start new projects on this Storyweave. Ask an administrator to start it and make you its lead.";

    public static async Task<bool> AdminsOnlyAsync(StoryweaveDb db, CancellationToken ct = default) =>
        await db.InstanceSettings.AnyAsync(s => s.Key == Key && s.Value == AdminsOnly, ct);

    public static async Task<bool> MayStartAsync(StoryweaveDb db, User? user, CancellationToken ct = default) =>
        user is not null && (user.IsAdmin || !await AdminsOnlyAsync(db, ct));

    public static async Task SetAsync(StoryweaveDb db, TimeProvider clock, bool adminsOnly, string actorUserId, CancellationToken ct = default)
    {
        var row = await db.InstanceSettings.SingleOrDefaultAsync(s => s.Key == Key, ct);
        var value = adminsOnly ? AdminsOnly : Everyone;
        if (row?.Value == value || (row is null && !adminsOnly)) return;
        if (row is null) db.InstanceSettings.Add(new InstanceSetting { Key = Key, Value = value });
        else row.Value = value;
        db.Record(clock, null, actorUserId, "instance.project-starters-changed", detail: value);
        await db.SaveChangesAsync(ct);
    }
}
