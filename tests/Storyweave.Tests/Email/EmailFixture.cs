namespace Storyweave.Tests.Email;

/// <summary>A real SMTP server (aiosmtpd) and an app that sends to it; tests use their own addresses.</summary>
public sealed class EmailFixture : IAsyncLifetime
{
    public SmtpTestServer Smtp { get; private set; } = null!;
    public TestApp App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Smtp = await SmtpTestServer.StartAsync();
        App = await TestApp.StartAsync(configureBuilder: Smtp.Configure);
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Smtp.DisposeAsync();
    }
}
