using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Audit;

/// <summary>
/// The audit page for leads: who viewed, searched or exported what (the access log) and who changed
/// what (the event log), newest first, in one list. Ids and action names only, never content.
/// </summary>
[Authorize(Policy = Policies.ViewAudit)]
public sealed class AuditModel(StoryweaveDb db, ProjectAccessService access) : ProjectPageModel(db, access)
{
    public const int PageSize = 50;

    public sealed record Row(DateTime At, string Who, string Kind, string Action, string Target);
    public sealed record Choice(string Value, string Label);

    [FromQuery(Name = "person")] public string? Person { get; set; }
    [FromQuery(Name = "action")] public string? ActionFilter { get; set; }
    [FromQuery(Name = "pageNumber")] public int PageNumber { get; set; } = 1;

    public List<Row> Rows { get; private set; } = [];
    public List<Choice> People { get; private set; } = [];
    public List<string> Actions { get; private set; } = [];
    public int Total { get; private set; }
    public int PageCount => Math.Max(1, (Total + PageSize - 1) / PageSize);

    public async Task OnGetAsync(CancellationToken ct)
    {
        if (PageNumber < 1) PageNumber = 1;
        var person = string.IsNullOrWhiteSpace(Person) ? null : Person;
        var action = string.IsNullOrWhiteSpace(ActionFilter) ? null : ActionFilter;

        var accesses = Db.AccessLog.AsNoTracking().Where(a => a.ProjectId == ProjectId);
        var events = Db.Events.AsNoTracking().Where(e => e.ProjectId == ProjectId);
        if (person is not null)
        {
            accesses = accesses.Where(a => a.UserId == person || (a.UserId == null && a.Actor == person));
            events = events.Where(e => e.ActorUserId == person);
        }
        if (action is not null)
        {
            accesses = accesses.Where(a => a.Action == action);
            events = events.Where(e => e.Action == action);
        }

        var accessCount = await accesses.CountAsync(ct);
        var eventCount = await events.CountAsync(ct);
        Total = accessCount + eventCount;
        if (PageNumber > PageCount) PageNumber = PageCount;

        // Both lists are newest first; the newest (page × size) of each hold every row of this page.
        var needed = PageNumber * PageSize;
        var accessRows = await accesses.OrderByDescending(a => a.At).ThenByDescending(a => a.Id).Take(needed)
            .Select(a => new { a.At, a.UserId, a.Actor, a.Action, a.TargetType, a.TargetId }).ToListAsync(ct);
        var eventRows = await events.OrderByDescending(e => e.OccurredAt).ThenByDescending(e => e.Id).Take(needed)
            .Select(e => new { e.OccurredAt, e.ActorUserId, e.Action, e.ObjectType, e.ObjectId }).ToListAsync(ct);

        var userIds = accessRows.Where(a => a.UserId != null).Select(a => a.UserId!)
            .Concat(eventRows.Where(e => e.ActorUserId != null).Select(e => e.ActorUserId!)).ToHashSet();
        var memberIds = await Db.ProjectMembers.AsNoTracking().Where(m => m.ProjectId == ProjectId).Select(m => m.UserId).ToListAsync(ct);
        userIds.UnionWith(memberIds);
        var names = await Db.Users.AsNoTracking().Where(u => userIds.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.DisplayName, ct);

        string Who(string? userId, string actor) => userId is not null ? names.GetValueOrDefault(userId, "A removed account") : DescribeActor(actor);

        Rows = accessRows.Select(a => new Row(a.At, Who(a.UserId, a.Actor), "Access", a.Action, Target(a.TargetType, a.TargetId)))
            .Concat(eventRows.Select(e => new Row(e.OccurredAt, e.ActorUserId is null ? "Storyweave" : Who(e.ActorUserId, ""), "Change", e.Action, Target(e.ObjectType, e.ObjectId))))
            .OrderByDescending(r => r.At)
            .Skip((PageNumber - 1) * PageSize).Take(PageSize).ToList();

        var otherActors = await Db.AccessLog.AsNoTracking().Where(a => a.ProjectId == ProjectId && a.UserId == null)
            .Select(a => a.Actor).Distinct().ToListAsync(ct);
        People = memberIds.Select(id => new Choice(id, names.GetValueOrDefault(id, "A removed account")))
            .OrderBy(c => c.Label, StringComparer.CurrentCultureIgnoreCase)
            .Concat(otherActors.Order(StringComparer.Ordinal).Select(a => new Choice(a, DescribeActor(a))))
            .ToList();
        Actions = (await Db.AccessLog.AsNoTracking().Where(a => a.ProjectId == ProjectId).Select(a => a.Action).Distinct().ToListAsync(ct))
            .Concat(await Db.Events.AsNoTracking().Where(e => e.ProjectId == ProjectId).Select(e => e.Action).Distinct().ToListAsync(ct))
            .Distinct().Order(StringComparer.Ordinal).ToList();
    }

    public string PageUrl(int page)
    {
        var query = new List<string>();
        if (!string.IsNullOrWhiteSpace(Person)) query.Add("person=" + Uri.EscapeDataString(Person));
        if (!string.IsNullOrWhiteSpace(ActionFilter)) query.Add("action=" + Uri.EscapeDataString(ActionFilter));
        query.Add("pageNumber=" + page.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return $"/projects/{ProjectId}/audit?" + string.Join("&", query);
    }

    private static string Target(string? type, string? id) => string.IsNullOrEmpty(id) ? type ?? "" : $"{type} {id}";

    /// <summary>Someone without an account, by id only: "Workshop guest 3", "Storyteller link 12", "Command line".</summary>
    public static string DescribeActor(string actor)
    {
        var colon = actor.IndexOf(':', StringComparison.Ordinal);
        var (kind, id) = colon < 0 ? (actor, "") : (actor[..colon], actor[(colon + 1)..]);
        var label = kind switch
        {
            "workshop-guest" => "Workshop guest",
            "storyteller-link" => "Storyteller link",
            "cli" => "Command line",
            "anonymous" => "Not signed in",
            _ => kind,
        };
        return id.Length == 0 ? label : $"{label} {id}";
    }
}
