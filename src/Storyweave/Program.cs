using Storyweave.Cli;

return await StoryweaveCli.RunAsync(args);

/// <summary>Entry point type, referenced by the test projects.</summary>
public partial class Program;
