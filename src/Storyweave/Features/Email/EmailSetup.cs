namespace Storyweave.Features.Email;

public static class EmailSetup
{
    public static void Add(IServiceCollection services)
    {
        services.AddSingleton<EmailWakeup>();
        services.AddScoped<EmailOutbox>();
        services.AddHostedService<EmailSender>();
    }
}
