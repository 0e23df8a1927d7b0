namespace Storyweave.Features.Codebook;

/// <summary>
/// Starting codebooks written by us from public frameworks, in plain words. Applying one adds its
/// themes at the top level with Origin "template:{key}".
/// </summary>
public static class CodebookTemplates
{
    public sealed record TemplateTheme(string Name, string Description, string Color, string ShortLabel = "");

    public sealed record Template(string Key, string Name, string Description, IReadOnlyList<TemplateTheme> Themes);

    public static readonly IReadOnlyList<Template> All =
    [
        // The nine benefit themes exactly as headed in the 2022 "Value of co-production" overview
        // (seed 002, "What did we find out? The benefits of co-production").
        new("benefits", "Benefits of co-production",
            "The nine benefits found in the 2022 overview of the value of co-production.",
        [
            new("Diversity of perspectives", "Listening to unheard voices; many points of view; cultural inclusion; social justice.", "#1f5c4a", "Diversity"),
            new("Difficult to achieve the same results without lived experience", "The expertise of people with lived experience brings richer insight, creativity and the unexpected.", "#7a3b00", "Lived exp."),
            new("Depth of insights", "First-hand, up-to-date information, less driven by an agenda.", "#0b4f8a", "Depth"),
            new("Co-learning", "Finding the answers together and sharing different kinds of knowledge.", "#6b2d7a", "Co-learning"),
            new("Sharing roles, sharing power, striving for equity", "Removing hierarchy; stepping up and stepping back; people with lived experience in roles with power.", "#8a1c2b", "Power"),
            new("People driving change", "Real control over the project and process; ownership; feeling empowered.", "#2f5d0c", "Driving change"),
            new("Collective action and connections", "Connection and support bring power and opportunity; growing empathy; wellbeing.", "#5c4a00", "Connections"),
            new("Enhanced ability to create change organisationally and in the community", "Benefits to communities; sharing resources; organisations becoming more people-focused.", "#005f66", "Wider change"),
            new("Trust", "Trust in services, in research, in communities and in co-production itself; hope.", "#4a4a46", "Trust"),
        ]),
        // The seed reports do not list the 17 conditions one by one. These 17 are written by us from
        // the headings of the funder report's "Our learning about co-production" and "Making it work:
        // the essentials" sections (seed 003); rename them to match your own workshop's words.
        new("conditions", "Conditions of co-production",
            "Seventeen things that need to be in place for co-production to work well.",
        [
            new("Share power responsibly", "People with lived experience have real say, with support to use it.", "#1f5c4a"),
            new("Adapt to your context and community", "Work in ways that fit the people and the place.", "#1f5c4a"),
            new("Commit to change", "Organisations are ready to change how they work.", "#1f5c4a"),
            new("Be in it for the long haul", "Co-production takes time; relationships are built over years.", "#1f5c4a"),
            new("Time and resources", "Enough time, money and dedicated staff.", "#1f5c4a"),
            new("Paid roles for people with lived experience", "Jobs and paid work, not only volunteering.", "#1f5c4a"),
            new("Include everyone in the conversation", "Reach people who are seldom heard.", "#1f5c4a"),
            new("Look after your people", "Wellbeing, support and safe spaces.", "#1f5c4a"),
            new("Get the basics right", "Accessible places, times, travel and information.", "#1f5c4a"),
            new("Good food and friendly faces", "A welcoming, relaxed atmosphere.", "#1f5c4a"),
            new("Nourish relationships", "Trust grows from steady, honest contact.", "#1f5c4a"),
            new("Embrace diversity", "Value different backgrounds, views and ways of taking part.", "#1f5c4a"),
            new("Find the right people", "Recruit people with the right mix of experience and interest.", "#1f5c4a"),
            new("Keep people interested", "Show progress and keep momentum.", "#1f5c4a"),
            new("Be honest about boundaries and limits", "Say clearly what can and cannot change.", "#1f5c4a"),
            new("Recognise people's contributions", "Thank, credit and pay people for their time.", "#1f5c4a"),
            new("Reflect and make changes", "Expect things to go wrong; learn and adjust together.", "#1f5c4a"),
        ]),
        new("values", "Co-Production Collective values",
            "The four values of the Co-Production Collective.",
        [
            new("Human", "Treating each other as people first, with care and kindness.", "#1f5c4a"),
            new("Inclusive", "Everyone can take part, whatever their needs.", "#0b4f8a"),
            new("Transparent", "Open about decisions, money and limits.", "#6b2d7a"),
            new("Challenging", "Willing to question how things are done, including ourselves.", "#8a1c2b"),
        ]),
        new("scie", "SCIE principles",
            "The four principles of co-production from the Social Care Institute for Excellence (SCIE).",
        [
            new("Equality", "Everyone has assets and skills to bring; no one's knowledge counts for more.", "#1f5c4a"),
            new("Diversity", "Include as many different people as possible.", "#0b4f8a"),
            new("Access", "Everyone can take part fully, on their own terms.", "#6b2d7a"),
            new("Reciprocity", "People get something back for what they put in.", "#8a1c2b"),
        ]),
        new("areas", "Five areas of co-production",
            "The five areas where co-production happens.",
        [
            new("Design", "Shaping services, projects and products.", "#1f5c4a"),
            new("Decision-making", "Having a say in what is decided and how.", "#0b4f8a"),
            new("Delivery", "Running and delivering services together.", "#6b2d7a"),
            new("Research", "Doing research together, from questions to findings.", "#8a1c2b"),
            new("Voice", "Speaking up and being heard.", "#7a3b00"),
        ]),
        new("value", "Value for all",
            "Who co-production makes a difference to, as in the 2022 overview.",
        [
            new("Individuals", "Skills, confidence, work, connection, having a voice.", "#1f5c4a"),
            new("Organisations", "Better decisions, better outcomes, changing how things are done.", "#0b4f8a"),
            new("Society", "A fairer society, less stigma, services that better meet needs.", "#6b2d7a"),
        ]),
    ];

    public static Template? Find(string? key) => All.FirstOrDefault(t => string.Equals(t.Key, key, StringComparison.OrdinalIgnoreCase));
}
