namespace Storyweave.Features.Projects;

/// <summary>The project details form, shared by "new project" and "settings".</summary>
public sealed class ProjectForm
{
    public string Name { get; set; } = "";
    public string? Description { get; set; }
    public string? ResearchQuestion { get; set; }
    public string? ConversationStarter { get; set; }
    public DateOnly? StartDate { get; set; }
    public DateOnly? EndDate { get; set; }

    public ProjectService.Details ToDetails() => new(Name, Description, ResearchQuestion, ConversationStarter, StartDate, EndDate);

    public static ProjectForm From(Project p) => new()
    {
        Name = p.Name,
        Description = p.Description,
        ResearchQuestion = p.ResearchQuestion,
        ConversationStarter = p.ConversationStarter,
        StartDate = p.StartDate,
        EndDate = p.EndDate,
    };
}
