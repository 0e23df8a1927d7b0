namespace Storyweave.Tests;

/// <summary>One running app per test class; tests create their own users and projects inside it.</summary>
public class AppFixture : IAsyncLifetime
{
    public TestApp App { get; private set; } = null!;

    protected virtual bool SeedSample => false;

    public async Task InitializeAsync() => App = await TestApp.StartAsync(seedSample: SeedSample);

    public async Task DisposeAsync() => await App.DisposeAsync();
}

public sealed class SampleAppFixture : AppFixture
{
    protected override bool SeedSample => true;
}
