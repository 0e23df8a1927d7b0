using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Events;

namespace Storyweave.Features.Projects;

/// <summary>Project operations shared by the pages, the JSON API and the sample seeder.</summary>
public sealed class ProjectService(StoryweaveDb db, TimeProvider clock)
{
    public const int NameMax = 200;

    public sealed record Details(string Name, string? Description, string? ResearchQuestion, string? ConversationStarter, DateOnly? StartDate, DateOnly? EndDate);

    public static List<string> Validate(Details d)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(d.Name)) errors.Add("Give the project a name.");
        else if (d.Name.Trim().Length > NameMax) errors.Add($"The name can be at most {NameMax} characters.");
        if ((d.Description?.Length ?? 0) > 4000) errors.Add("The description can be at most 4,000 characters.");
        if ((d.ResearchQuestion?.Length ?? 0) > 1000) errors.Add("The research question can be at most 1,000 characters.");
        if ((d.ConversationStarter?.Length ?? 0) > 1000) errors.Add("The conversation starter can be at most 1,000 characters.");
        if (d.StartDate is { } s && d.EndDate is { } e && e < s) errors.Add("The end date must be on or after the start date.");
        return errors;
    }

    /// <summary>Creates a project; its creator becomes its lead. A null creator (the sample seeder) adds no member.</summary>
    public async Task<Result<Project>> CreateAsync(Details details, string? creatorUserId, bool isSample = false, CancellationToken ct = default)
    {
        var errors = Validate(details);
        if (errors.Count > 0) return Result.Fail<Project>(errors);
        var now = clock.GetUtcNow().UtcDateTime;
        var project = new Project
        {
            Name = details.Name.Trim(),
            Slug = await UniqueSlugAsync(details.Name, ct),
            IsSample = isSample,
            CreatedAt = now,
        };
        Apply(project, details);
        if (creatorUserId is not null)
            project.Members.Add(new ProjectMember { UserId = creatorUserId, Role = ProjectRole.Lead, AddedAt = now });

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        db.Projects.Add(project);
        await db.SaveChangesAsync(ct);
        db.Record(clock, project.Id, creatorUserId, "project.created", "project", project.Id);
        if (creatorUserId is not null)
            db.Record(clock, project.Id, creatorUserId, "member.added", "user", creatorUserId, nameof(ProjectRole.Lead));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return Result.Ok(project);
    }

    public async Task<Result<Project>> UpdateAsync(int projectId, Details details, string actorUserId, CancellationToken ct = default)
    {
        var errors = Validate(details);
        if (errors.Count > 0) return Result.Fail<Project>(errors);
        var project = await db.Projects.SingleAsync(p => p.Id == projectId, ct);
        var renamed = project.Name != details.Name.Trim();
        project.Name = details.Name.Trim();
        Apply(project, details);
        db.Record(clock, project.Id, actorUserId, renamed ? "project.renamed" : "project.updated", "project", project.Id);
        await db.SaveChangesAsync(ct);
        return Result.Ok(project);
    }

    public async Task SetArchivedAsync(int projectId, bool archived, string actorUserId, CancellationToken ct = default)
    {
        var project = await db.Projects.SingleAsync(p => p.Id == projectId, ct);
        if (project.IsArchived == archived) return;
        project.ArchivedAt = archived ? clock.GetUtcNow().UtcDateTime : null;
        db.Record(clock, project.Id, actorUserId, archived ? "project.archived" : "project.unarchived", "project", project.Id);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Adds a member or changes their role. The member is found by email among existing accounts.</summary>
    public async Task<Result<ProjectMember>> SetMemberAsync(int projectId, string email, ProjectRole role, string actorUserId, CancellationToken ct = default)
    {
        var normalized = email.Trim().ToUpperInvariant();
        var user = await db.Users.SingleOrDefaultAsync(u => u.NormalizedEmail == normalized, ct);
        if (user is null)
            return Result.Fail<ProjectMember>(["No account uses that email address. Ask an administrator to add the person first."]);
        var member = await db.ProjectMembers.SingleOrDefaultAsync(m => m.ProjectId == projectId && m.UserId == user.Id, ct);
        if (member is null)
        {
            member = new ProjectMember { ProjectId = projectId, UserId = user.Id, Role = role, AddedAt = clock.GetUtcNow().UtcDateTime };
            db.ProjectMembers.Add(member);
            db.Record(clock, projectId, actorUserId, "member.added", "user", user.Id, role.ToString());
        }
        else if (member.Role != role)
        {
            var error = await GuardLastLeadAsync(projectId, member, ct);
            if (error is not null) return Result.Fail<ProjectMember>([error]);
            member.Role = role;
            db.Record(clock, projectId, actorUserId, "member.role-changed", "user", user.Id, role.ToString());
            // A grant is for the role it was given in: a new role starts without it.
            if (member.MaySeePersonalDetails)
            {
                member.MaySeePersonalDetails = false;
                db.Record(clock, projectId, actorUserId, "member.personal-details-revoked", "user", user.Id, "role changed");
            }
        }
        await db.SaveChangesAsync(ct);
        member.User = user;
        return Result.Ok(member);
    }

    /// <summary>
    /// A lead lets a named reporter or analyst see storytellers' personal details (contact details, access needs,
    /// facets), or stops it. Logged in the event log either way.
    /// </summary>
    public async Task<Result<bool>> SetPersonalDetailsAccessAsync(int projectId, string userId, bool allow, string actorUserId, CancellationToken ct = default)
    {
        var member = await db.ProjectMembers.SingleOrDefaultAsync(m => m.ProjectId == projectId && m.UserId == userId, ct);
        if (member is null) return Result.Fail<bool>(["That person is not a member of this project."]);
        if (!ProjectAccess.MayBeGrantedPersonalDetails(member.Role))
            return Result.Fail<bool>([member.Role == ProjectRole.Lead
                ? "Project leads always see storytellers' personal details."
                : "Only Community Reporters and analysts can be given access to personal details. Change their role first."]);
        if (member.MaySeePersonalDetails == allow) return Result.Ok(true);
        member.MaySeePersonalDetails = allow;
        db.Record(clock, projectId, actorUserId, allow ? "member.personal-details-granted" : "member.personal-details-revoked", "user", userId);
        await db.SaveChangesAsync(ct);
        return Result.Ok(true);
    }

    public async Task<Result<bool>> RemoveMemberAsync(int projectId, string userId, string actorUserId, CancellationToken ct = default)
    {
        var member = await db.ProjectMembers.SingleOrDefaultAsync(m => m.ProjectId == projectId && m.UserId == userId, ct);
        if (member is null) return Result.Fail<bool>(["That person is not a member of this project."]);
        var error = await GuardLastLeadAsync(projectId, member, ct);
        if (error is not null) return Result.Fail<bool>([error]);
        db.ProjectMembers.Remove(member);
        db.Record(clock, projectId, actorUserId, "member.removed", "user", userId);
        await db.SaveChangesAsync(ct);
        return Result.Ok(true);
    }

    // Invariant: a project always keeps at least one lead, so someone can always manage it.
    private async Task<string?> GuardLastLeadAsync(int projectId, ProjectMember member, CancellationToken ct)
    {
        if (member.Role != ProjectRole.Lead) return null;
        var leads = await db.ProjectMembers.CountAsync(m => m.ProjectId == projectId && m.Role == ProjectRole.Lead, ct);
        return leads <= 1 ? "A project needs at least one project lead. Make someone else a lead first." : null;
    }

    private static void Apply(Project project, Details d)
    {
        project.Description = d.Description?.Trim() ?? "";
        project.ResearchQuestion = d.ResearchQuestion?.Trim() ?? "";
        project.ConversationStarter = d.ConversationStarter?.Trim() ?? "";
        project.StartDate = d.StartDate;
        project.EndDate = d.EndDate;
    }

    private async Task<string> UniqueSlugAsync(string name, CancellationToken ct)
    {
        var baseSlug = Slugify(name);
        var slug = baseSlug;
        for (var n = 2; await db.Projects.AnyAsync(p => p.Slug == slug, ct); n++)
            slug = $"{baseSlug}-{n.ToString(CultureInfo.InvariantCulture)}";
        return slug;
    }

    public static string Slugify(string text)
    {
        var sb = new StringBuilder();
        foreach (var c in text.Normalize(NormalizationForm.FormD))
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark) continue;
            if (char.IsAsciiLetterOrDigit(c)) sb.Append(char.ToLowerInvariant(c));
            else if (sb.Length > 0 && sb[^1] != '-') sb.Append('-');
            if (sb.Length >= 60) break;
        }
        var slug = sb.ToString().Trim('-');
        return slug.Length == 0 ? "project" : slug;
    }
}
