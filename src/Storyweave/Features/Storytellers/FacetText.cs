namespace Storyweave.Features.Storytellers;

public static class FacetText
{
    public static string Label(FacetKind kind) => kind switch
    {
        FacetKind.Gender => "Gender",
        FacetKind.Disability => "Disability",
        FacetKind.Neurodivergence => "Neurodivergence",
        FacetKind.Carer => "Carer",
        FacetKind.Ethnicity => "Ethnicity",
        FacetKind.AgeBand => "Age band",
        FacetKind.OtherLivedExperience => "Other lived experience",
        _ => kind.ToString(),
    };
}
