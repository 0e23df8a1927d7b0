using System.Text.Json.Serialization;

namespace Storyweave.Features.Projects;

[JsonConverter(typeof(JsonStringEnumConverter<ProjectRole>))]
public enum ProjectRole
{
    /// <summary>Can look at the project and its stories; changes nothing.</summary>
    Viewer,

    /// <summary>Peer researcher: gathers stories, records sessions, fills in review sheets.</summary>
    CommunityReporter,

    /// <summary>Codes stories and runs workshops.</summary>
    Analyst,

    /// <summary>Everything in the project.</summary>
    Lead,
}

public static class ProjectRoleText
{
    public static string Label(this ProjectRole role) => role switch
    {
        ProjectRole.Viewer => "Viewer",
        ProjectRole.CommunityReporter => "Community Reporter",
        ProjectRole.Analyst => "Analyst",
        ProjectRole.Lead => "Project lead",
        _ => role.ToString(),
    };

    public static string Explain(this ProjectRole role) => role switch
    {
        ProjectRole.Viewer => "can look at the project and its stories, but not change anything",
        ProjectRole.CommunityReporter => "gathers stories and fills in story review sheets",
        ProjectRole.Analyst => "codes stories and runs sense-making workshops",
        ProjectRole.Lead => "can do everything in this project, including adding people",
        _ => "",
    };
}
