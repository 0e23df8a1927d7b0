using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Storyweave.Data;
using Storyweave.Features.Stories;
using Storyweave.Features.Storytellers;

namespace Storyweave.Features.Withdrawal;

/// <summary>
/// Finds, from the EF Core model, every table linked to a storyteller or a story, and deletes at the end of a full
/// withdrawal whatever rows its declaration (<see cref="PersonalDataAttribute"/>) says must go and are still there.
/// The withdrawal's own steps come first (they also erase files, silence recordings, re-anchor passages); the sweep
/// is the guarantee behind them, so a table added later is withdrawn by its declaration, not by a list in
/// <see cref="WithdrawalService"/> that someone must remember to update.
/// </summary>
public static class PersonalDataSweep
{
    /// <summary>A column that points at a storyteller (<c>IsStoryteller</c>) or a story.</summary>
    public sealed record Link(IProperty Column, bool IsStoryteller);

    /// <summary>Every mapped entity linked to a storyteller or a story, the two themselves included.</summary>
    public static IEnumerable<IEntityType> LinkedEntities(IModel model) =>
        model.GetEntityTypes().Where(e => e.GetTableName() is not null && !e.IsOwned()
            && (e.ClrType == typeof(Storyteller) || e.ClrType == typeof(Story) || Links(e).Any()));

    /// <summary>
    /// The columns of an entity that point at a storyteller or a story: foreign keys to either, and any column named
    /// <c>StorytellerId</c> or <c>StoryId</c> without one (a search entry, a job). The story's own key counts as a
    /// story column (a story told alone goes whole).
    /// </summary>
    public static IReadOnlyList<Link> Links(IEntityType entity)
    {
        var links = new List<Link>();
        foreach (var fk in entity.GetForeignKeys())
        {
            var principal = fk.PrincipalEntityType.ClrType;
            if (principal != typeof(Storyteller) && principal != typeof(Story)) continue;
            if (fk.Properties.Count == 1) links.Add(new Link(fk.Properties[0], principal == typeof(Storyteller)));
        }
        foreach (var p in entity.GetProperties())
        {
            if (links.Any(l => l.Column == p)) continue;
            if (p.Name == nameof(StoryStoryteller.StorytellerId)) links.Add(new Link(p, true));
            else if (p.Name == nameof(StoryStoryteller.StoryId)) links.Add(new Link(p, false));
        }
        if (entity.ClrType == typeof(Story)) links.Add(new Link(entity.FindPrimaryKey()!.Properties[0], false));
        return links;
    }

    public static PersonalDataAttribute? Declaration(IEntityType entity) => entity.ClrType.GetCustomAttribute<PersonalDataAttribute>(false);

    /// <summary>
    /// Deletes, in the caller's transaction, the rows still pointing at the person or at a story they told alone, in
    /// every table whose declaration does not keep them (<see cref="OnWithdrawal.Kept"/>, <see cref="OnWithdrawal.Anonymised"/>).
    /// Returns what it found per table: empty when the withdrawal's own steps had already done everything.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, int>> SweepAsync(StoryweaveDb db, int storytellerId, IReadOnlyCollection<int> soloStoryIds, CancellationToken ct)
    {
        var found = new Dictionary<string, int>(StringComparer.Ordinal);
        // Dependants first, so that a foreign key without cascade never stops the sweep: stories and storytellers last.
        var entities = LinkedEntities(db.Model).Where(e => e.ClrType != typeof(Storyteller))
            .OrderBy(e => e.ClrType == typeof(Story) ? 1 : 0).ToList();
        foreach (var entity in entities)
        {
            var declaration = Declaration(entity)
                ?? throw new InvalidOperationException($"{entity.ClrType.Name} holds data about a storyteller or a story but does not declare how it is withdrawn ([PersonalData]).");
            if (declaration.Withdrawal is OnWithdrawal.Kept or OnWithdrawal.Anonymised) continue;
            var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
            var name = entity.GetSchema() is { } schema ? $"\"{schema}\".\"{table.Name}\"" : $"\"{table.Name}\"";
            foreach (var link in Links(entity))
            {
                var column = $"\"{link.Column.GetColumnName(table)}\"";
                // Table and column names come from the EF model, never from input; the ids are parameters.
                object[] ids = link.IsStoryteller ? [storytellerId] : [.. soloStoryIds.Cast<object>()];
                if (ids.Length == 0) continue;
                var sql = $"DELETE FROM {name} WHERE {column} IN ({string.Join(", ", ids.Select((_, i) => $"{{{i}}}"))})";
                var deleted = await db.Database.ExecuteSqlRawAsync(sql, ids, ct);
                if (deleted > 0) found[table.Name] = found.GetValueOrDefault(table.Name) + deleted;
            }
        }
        return found;
    }
}
