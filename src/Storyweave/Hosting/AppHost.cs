using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Admin;
using Storyweave.Features.Backup;
using Storyweave.Features.Events;
using Storyweave.Features.Health;
using Storyweave.Features.Media;
using Storyweave.Features.Projects;
using Storyweave.Features.PublicSite;
using Storyweave.Features.Sample;
using Storyweave.Features.Stories;

namespace Storyweave.Hosting;

/// <summary>
/// Builds the one application: the web server and the services every CLI verb uses. The CLI
/// builds the same <see cref="WebApplication"/> and uses its container without starting Kestrel.
/// </summary>
public static class AppHost
{
    public const string SmartScheme = "Storyweave";
    public const string SignInRateLimit = "sign-in";
    public const string CodeRateLimit = "storyteller-code";
    public const string SetupRateLimit = "setup";
    public const string SignUpRateLimit = "sign-up";

    public static WebApplication Build(StoryweaveOptions options, Action<WebApplicationBuilder>? configure = null)
    {
        DataFolder.Ensure(options);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(AppHost).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot"),
        });
        builder.WebHost.UseUrls(options.Urls);
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
        // The console says what needs attention: warnings and errors, one line each (the CLI prints one
        // line when the server starts and one when it stops). STORYWEAVE_LOG_LEVEL=Information shows the
        // app's own progress notes; STORYWEAVE_LOG_REQUESTS=1 adds one line per request (RequestLog).
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-dd HH:mm:ss ";
            o.UseUtcTimestamp = true;
        });
        builder.Logging.SetMinimumLevel(options.LogLevel);
        // The framework's own notes (one per request stage) only when an operator asks for Debug or Trace.
        builder.Logging.AddFilter("Microsoft", options.LogLevel <= LogLevel.Debug ? options.LogLevel : LogLevel.Warning);
        builder.Logging.AddFilter(RequestLog.Category, options.LogRequests ? LogLevel.Information : LogLevel.None);
        // A failed SQL command is also an exception, logged once where it is handled (ErrorResponses, the workers);
        // EF's own copy would only add alarm, e.g. the expected miss on the migrations table of a new PostgreSQL database.
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore.Database.Command", LogLevel.None);
        // ErrorResponses logs every failure once, with the reference the person is shown; the middleware's own copy would repeat it.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Diagnostics.ExceptionHandlerMiddleware", LogLevel.None);
        // EF warns that SQLite's table rebuilds (PRAGMA foreign_keys) cannot run in a transaction; the
        // database file is copied aside before every migration (DatabaseStartup), so that warning only alarms.
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore.Migrations", LogLevel.Error);
        // Keys live in the data folder, readable by this user only (see DataFolder); the
        // "no XML encryptor" warning would only alarm operators about that documented choice.
        builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error);
        builder.Services.AddSingleton(options);
        AddServices(builder.Services, options);
        configure?.Invoke(builder);
        // Several nodes: SignalR's Redis backplane and shared state, off unless Redis:Configuration is set (after `configure`, so tests can set it).
        SharedRedis.Add(builder);
        // Off unless an OTLP endpoint is configured (after `configure`, so tests can set one).
        Telemetry.Add(builder);

        var app = builder.Build();
        ConfigurePipeline(app);
        return app;
    }

    public static void AddServices(IServiceCollection services, StoryweaveOptions options)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddHttpContextAccessor();

        // A list in a query (ids.Contains(x.Id)) is sent as ONE parameter (a JSON array read with
        // json_each on SQLite, an array with = ANY on PostgreSQL), not one parameter per item: search
        // asks about consent for up to ~1,400 storytellers at once, and binding that many named
        // parameters cost 10–25 ms per query against ~1 ms for the query itself (BENCHMARKS.md).
        // The public pages' cache is emptied by interceptors on the database itself (PublicPageCache explains why).
        services.AddSingleton<PublicPageCache>();
        // Pooled (issue #17): a context is reset and reused instead of built for each request with its own internal
        // services (about 5% of a coded passage's CPU). Its options take only singletons; nothing is kept between uses.
        if (options.UsesPostgres)
        {
            services.AddDbContextPool<StoryweaveDb, PostgresStoryweaveDb>((sp, o) => o.UseNpgsql(options.Postgres,
                n => n.UseParameterizedCollectionMode(ParameterTranslationMode.Parameter))
                .AddInterceptors(PreparedStatements.Instance)
                .AddInterceptors(sp.GetRequiredService<PublicPageCache>().Interceptors));
        }
        else
        {
            services.AddDbContextPool<StoryweaveDb, SqliteStoryweaveDb>((sp, o) => o
                .UseSqlite($"Data Source={options.SqlitePath}", s => s.UseParameterizedCollectionMode(ParameterTranslationMode.Parameter))
                .AddInterceptors(new SqlitePragmas())
                .AddInterceptors(sp.GetRequiredService<PublicPageCache>().Interceptors));
        }

        // Keys in the database (DataProtectionKeys), so every node behind a load balancer reads the same key ring.
        services.AddDataProtection().SetApplicationName("Storyweave").PersistKeysToDbContext<StoryweaveDb>();

        services.AddIdentityCore<User>(o =>
            {
                // Length over composition rules (NIST SP 800-63B): long passphrases, no forced symbols.
                o.Password.RequiredLength = 10;
                o.Password.RequireDigit = false;
                o.Password.RequireLowercase = false;
                o.Password.RequireUppercase = false;
                o.Password.RequireNonAlphanumeric = false;
                o.Password.RequiredUniqueChars = 4;
                o.Lockout.AllowedForNewUsers = true;
                o.Lockout.MaxFailedAccessAttempts = 5;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
                o.User.RequireUniqueEmail = true;
            })
            .AddEntityFrameworkStores<StoryweaveDb>()
            .AddSignInManager()
            .AddDefaultTokenProviders();

        services.AddAuthentication(o =>
            {
                o.DefaultScheme = SmartScheme;
                o.DefaultChallengeScheme = SmartScheme;
            })
            .AddPolicyScheme(SmartScheme, "Cookie or API token", o =>
            {
                o.ForwardDefaultSelector = ctx =>
                    ctx.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                    || ApiTokenAuthenticationHandler.HubQueryToken(ctx.Request) is not null
                        ? ApiTokenAuthenticationHandler.SchemeName
                        : IdentityConstants.ApplicationScheme;
            })
            .AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, null)
            .AddIdentityCookies();
        // People without an account who joined a workshop by link (decision 0004).
        Features.Workshops.WorkshopGuest.AddScheme(new AuthenticationBuilder(services));
        // Storytellers on their own page, by personal link and short code.
        Features.StorytellerPortal.StorytellerSession.AddScheme(new AuthenticationBuilder(services));

        services.ConfigureApplicationCookie(o =>
        {
            o.Cookie.Name = "storyweave.session";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.LoginPath = "/account/sign-in";
            o.LogoutPath = "/account/sign-out";
            o.AccessDeniedPath = "/account/denied";
            // Idle timeout: the cookie's expiry slides forward with use. The absolute limit is checked in
            // SessionLifetime (the sign-in time travels inside the cookie).
            o.ExpireTimeSpan = options.SessionIdleTimeout;
            o.SlidingExpiration = true;
            SessionLifetime.Attach(o, options.SessionAbsoluteLifetime);
            o.Events.OnRedirectToLogin = ctx => ApiAwareRedirect(ctx, StatusCodes.Status401Unauthorized);
            o.Events.OnRedirectToAccessDenied = ctx => ApiAwareRedirect(ctx, StatusCodes.Status403Forbidden);
        });

        // The security stamp (changed by a password reset) is checked on every request, so a reset
        // ends every other session at once; SessionLifetime also ends the sessions of a locked account.
        services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.Zero);

        services.AddAuthorization(o =>
        {
            Policies.Add(o);
            Features.StorytellerPortal.StorytellerSession.AddPolicy(o);
        });
        services.AddScoped<CurrentUser>();
        services.AddScoped<ProjectAccessService>();
        services.AddScoped<IAuthorizationHandler, ProjectPermissionHandler>();
        services.AddScoped<IAuthorizationHandler, AdminHandler>();

        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            // One bucket per purpose and client address (the real visitor's, behind a trusted proxy: see
            // ConfigurePipeline), so failed storyteller codes never block staff sign-in and one busy
            // connection never blocks another. Counted in the database (AttemptWindows), so every node counts the same.
            void PerAddress(string policy, int permits, TimeSpan window) =>
                o.AddPolicy(policy, ctx => HttpMethods.IsPost(ctx.Request.Method)
                    ? RateLimitPartition.Get(ctx.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                        address => new DatabaseWindowLimiter(ctx.RequestServices.GetRequiredService<AttemptWindows>(), policy, address, permits, window,
                            ctx.RequestServices.GetRequiredService<TimeProvider>()))
                    : RateLimitPartition.GetNoLimiter("reads"));
            PerAddress(SignInRateLimit, options.SignInAttemptsPerMinute, TimeSpan.FromMinutes(1));
            PerAddress(CodeRateLimit, options.CodeAttemptsPerMinute, TimeSpan.FromMinutes(1));
            PerAddress(SetupRateLimit, options.SetupAttemptsPerMinute, TimeSpan.FromMinutes(1));
            PerAddress(SignUpRateLimit, options.SignUpsPerHourPerAddress, TimeSpan.FromHours(1));
            o.OnRejected = async (ctx, ct) =>
            {
                var http = ctx.HttpContext;
                var wait = ctx.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromMinutes(1);
                var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
                http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                var path = http.Request.Path;
                var when = SignInThrottle.Describe(TimeSpan.FromSeconds(seconds));
                var message = path.StartsWithSegments("/join")
                    ? $"Too many sign-ups have come from this internet connection for now. Please try again in {when}, or ask the project team to sign you up."
                    : path.StartsWithSegments("/me")
                        ? $"Too many codes were tried from this device. Please wait {when}, then try again."
                        : $"Too many sign-in attempts from this internet connection. Please wait {when} and try again.";
                if (path.StartsWithSegments("/api"))
                {
                    await http.Response.WriteAsJsonAsync(new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = 429, Title = "Too many requests", Detail = message },
                        (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json", ct);
                    return;
                }
                http.Response.ContentType = "text/html; charset=utf-8";
                await http.Response.WriteAsync(
                    "<!DOCTYPE html><html lang=\"en-GB\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">" +
                    "<title>Please wait a moment – Storyweave</title><link rel=\"stylesheet\" href=\"/css/site.css\"></head><body><main id=\"main\" class=\"wrap\">" +
                    $"<h1>Please wait a moment</h1><p role=\"alert\">{System.Net.WebUtility.HtmlEncode(message)}</p><p><a href=\"{System.Net.WebUtility.HtmlEncode(path.Value)}\">Go back to the page</a></p></main></body></html>", ct);
            };
        });
        services.AddSingleton<AttemptWindows>();
        services.AddSingleton<SignInThrottle>();

        services.AddAntiforgery(o =>
        {
            o.HeaderName = "RequestVerificationToken";
            o.Cookie.Name = "storyweave.antiforgery";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        services.AddRazorPages(o => o.RootDirectory = "/Features")
            // Required fields are checked by the feature code, which says in plain words what is missing.
            .AddMvcOptions(o => o.SuppressImplicitRequiredAttributeForNonNullableReferenceTypes = true);
        services.AddOpenApi(o => o.AddDocumentTransformer<OpenApiDocumentInfo>());
        services.AddProblemDetails();
        services.AddExceptionHandler<ErrorResponses>();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));

        services.AddSingleton<SetupState>();
        services.AddScoped<ProjectService>();
        services.AddScoped<AccountService>();
        services.AddScoped<SampleProject>();
        services.AddScoped<BackupService>();
        services.AddScoped<Features.CallOut.CallOutService>();
        services.AddScoped<Features.Storytellers.StorytellerService>();
        services.AddScoped<Features.Consent.ConsentService>();
        services.AddScoped<Features.Storytellers.FacetService>();
        services.AddScoped<Features.Sessions.SessionService>();
        services.AddScoped<Features.Stories.StoryCopyService>();
        services.AddScoped<Features.Stories.TranscriptService>();
        services.AddScoped<Features.Stories.TranscriptImporter>();
        services.AddScoped<Features.Stories.TranscriptBulkImport>();
        services.AddScoped<Features.Search.SearchIndex>();
        services.AddSingleton(new Features.Search.SearchService.Tuning());
        services.AddScoped<Features.Search.SearchService>();
        services.AddSingleton<Features.Search.SearchResultCache>();
        services.AddScoped<Features.Consent.ConsentPolicy>();
        services.AddSingleton<Features.Consent.ConsentScopeCache>();
        services.AddScoped<Features.Codebook.CodebookService>();
        services.AddScoped<Features.Review.ReviewService>();
        services.AddScoped<Features.Findings.FindingsService>();
        services.AddScoped<Features.Redaction.RedactionService>();
        services.AddScoped<Features.Redaction.RedactionSuggestions>();
        services.AddScoped<Features.Redaction.RedactionCheck>();
        services.AddSingleton<MediaStorage>();
        // Job scratch space: erased at start-up before any worker or request (JobScratchCleanup), per job when it ends.
        services.AddSingleton<JobScratch>();
        services.AddMetrics(); // IMeterFactory, for JobMetrics (the web host adds it too; AddServices is also used alone)
        services.AddSingleton<JobMetrics>();
        services.AddHostedService<JobScratchCleanup>();
        // The one background job engine, clustered over the app's database (BackgroundJobs; decision 0010).
        BackgroundJobs.Add(services, options);
        services.AddSingleton<IJobRows, RenditionJobRows>();
        services.AddScoped<MediaUploader>();
        services.AddScoped<Features.Coding.CodingService>();
        services.AddSingleton<Features.Coding.TranscriptLayouts>();
        services.AddSingleton<Features.Clips.ClipStorage>();
        services.AddSingleton<IJobRows, Features.Clips.ClipJobRows>();
        services.AddScoped<Features.Clips.ClipConsent>();
        services.AddScoped<Features.Clips.ClipService>();
        services.AddScoped<Features.Clips.ClipRedactionRecut>();
        services.AddSignalR();
        services.AddSingleton<Features.Workshops.WorkshopPresence>();
        services.AddSingleton<Features.Workshops.WorkshopPlayback>();
        services.AddSingleton<Features.Workshops.WorkshopNotifier>();
        services.AddScoped<Features.Workshops.WorkshopService>();
        services.AddSingleton<Features.Reports.ReportStorage>();
        services.AddSingleton<IJobRows, Features.Reports.ReportJobRows>();
        services.AddSingleton<Features.Reports.PdfReportWriter>();
        services.AddScoped<Features.Reports.ReportQuoteConsent>();
        services.AddScoped<Features.Reports.ReportContentBuilder>();
        services.AddScoped<Features.Reports.ReportStaleness>();
        services.AddScoped<Features.Reports.ReportService>();
        services.AddScoped<Features.Exports.ExportService>();
        services.AddScoped<Features.Exports.QdpxExport>();
        services.AddScoped<Features.Interop.QdpxProjectImport>();
        services.AddSingleton<Features.Interop.QdpxUploads>();
        // Project-file imports run on the job engine with progress (one at a time per node); see Features/Interop/QdpxImportJob.
        services.AddScoped<Features.Interop.QdpxImportJobs>();
        services.AddSingleton<IJobRows, Features.Interop.QdpxImportJobRows>();
        services.AddSingleton<Features.Interop.QdpxImportProgress>();
        services.AddScoped<Features.Withdrawal.WithdrawalService>();
        services.AddScoped<Features.Withdrawal.TeamTextReview>();
        services.AddScoped<Features.Audit.AccessLog>();
        services.AddScoped<Features.PublicSite.PublicSiteReader>();
        services.AddScoped<Features.PublicSite.PublicSiteRenderer>();
        services.AddScoped<Features.Redaction.IRedactionCheckSource, Features.PublicSite.PublicSiteRedactionSource>();
        services.AddScoped<Features.PublicSite.PublicationService>();
        services.AddScoped<Features.PublicSite.StaticSiteExporter>();
        services.AddScoped<Features.StorytellerPortal.StorytellerLinkService>();
        services.AddScoped<Features.StorytellerPortal.StorytellerLinkEmail>();
        services.AddScoped<Features.StorytellerPortal.OwnRecording>();
        services.AddSingleton<Features.CallOut.CallOutSignUpLimit>();
        services.AddScoped<Features.StorytellerPortal.StorytellerPortalService>();
        services.AddScoped<Features.StorytellerPortal.StorytellerExport>();
        services.AddSingleton<Features.Transcription.DraftEngines>();
        services.AddSingleton<IJobRows, Features.Transcription.DraftJobRows>();
        services.AddScoped<Features.Transcription.DraftService>();
        services.AddScoped<Features.Transcription.DraftRunner>();
        Features.Email.EmailSetup.Add(services);
        services.AddScoped<AccountLinks>();
        AccountEmails.Add(services);
    }

    private static Task ApiAwareRedirect(Microsoft.AspNetCore.Authentication.RedirectContext<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions> ctx, int apiStatus)
    {
        // SignalR clients (under /hubs) are API clients too: a redirect to the sign-in page means nothing to them.
        if (ctx.Request.Path.StartsWithSegments("/api") || ctx.Request.Path.StartsWithSegments("/hubs"))
        {
            ctx.Response.StatusCode = apiStatus;
            return Task.CompletedTask;
        }
        ctx.Response.Redirect(ctx.RedirectUri);
        return Task.CompletedTask;
    }

    /// <summary>
    /// X-Forwarded-For and -Proto are believed only from <see cref="StoryweaveOptions.TrustedProxies"/>, so
    /// per-address limits apply to the real visitor behind nginx and nobody else can claim another address.
    /// </summary>
    public static ForwardedHeadersOptions ForwardedHeaders(StoryweaveOptions options)
    {
        var forwarded = new ForwardedHeadersOptions
        {
            ForwardedHeaders = Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedFor | Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedProto,
            ForwardLimit = null, // walk back through every trusted proxy, stopping at the first address that is not one
        };
        forwarded.KnownProxies.Clear();
        forwarded.KnownIPNetworks.Clear();
        foreach (var entry in options.TrustedProxies)
        {
            if (System.Net.IPNetwork.TryParse(entry, out var network)) forwarded.KnownIPNetworks.Add(network);
            else if (System.Net.IPAddress.TryParse(entry, out var address)) forwarded.KnownProxies.Add(address);
        }
        return forwarded;
    }

    private static void ConfigurePipeline(WebApplication app)
    {
        RequestLog.Use(app);
        // Behind a reverse proxy on this machine that terminates TLS, its X-Forwarded-Proto makes the
        // request HTTPS (Secure cookies, HSTS). Only loopback proxies are believed (the default).
        // With no trusted proxy at all the middleware is left out: given empty lists it would believe anyone.
        if (app.Services.GetRequiredService<StoryweaveOptions>().TrustedProxies.Count > 0)
            app.UseForwardedHeaders(ForwardedHeaders(app.Services.GetRequiredService<StoryweaveOptions>()));
        app.UseMiddleware<SecurityHeadersMiddleware>();
        // HSTS only on HTTPS requests (UseHsts ignores plain HTTP), and never in Development, where
        // a browser would otherwise remember it for localhost.
        if (!app.Environment.IsDevelopment()) app.UseHsts();
        app.UseExceptionHandler("/error");
        app.UseStatusCodePagesWithReExecute("/error", "?status={0}");
        app.Use((context, next) =>
        {
            // The JSON API answers with bare status codes and JSON bodies, never the HTML error page.
            if (context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments("/healthz"))
                context.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodePagesFeature>()?.Enabled = false;
            return next(context);
        });
        app.UseStaticFiles();
        app.UseRouting();
        RequestLog.NoteRoute(app);
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseMiddleware<SetupRedirectMiddleware>();
        app.UseAuthorization();
        app.UseMiddleware<ApiAntiforgeryMiddleware>();

        app.MapRazorPages();
        app.MapOpenApi().AllowAnonymous();
        HealthEndpoints.Map(app);
        var api = app.MapGroup("/api");
        AccountEndpoints.Map(api);
        ProjectEndpoints.Map(api);
        EventEndpoints.Map(api);
        StoryEndpoints.Map(api);
        Features.Stories.TranscriptBulkImportEndpoints.Map(api);
        Features.CallOut.CallOutEndpoints.Map(api);
        Features.Storytellers.StorytellerEndpoints.Map(api);
        Features.Withdrawal.WithdrawalEndpoints.Map(api);
        Features.Sessions.SessionEndpoints.Map(api);
        Features.Stories.StoryTranscriptEndpoints.Map(api);
        AdminEndpoints.Map(api);
        MediaEndpoints.Map(api);
        Features.Transcripts.TranscriptEndpoints.Map(api);
        Features.Workshops.WorkshopEndpoints.Map(api);
        app.MapHub<Features.Workshops.WorkshopHub>(Features.Workshops.WorkshopHub.Path).RequireAuthorization(Features.Workshops.WorkshopGuest.Rule);
        Features.Coding.CodingEndpoints.Map(api);
        // The hub's [Authorize(Policy = SignedIn)] becomes endpoint metadata; JoinProject checks membership.
        app.MapHub<Features.Coding.ProjectHub>("/hubs/project");
        Features.Codebook.CodebookEndpoints.Map(api);
        Features.Review.ReviewEndpoints.Map(api);
        Features.Findings.FindingsEndpoints.Map(app, api);
        Features.Redaction.RedactionEndpoints.Map(api);
        Features.Search.SearchEndpoints.Map(api);
        Features.Clips.ClipEndpoints.Map(api);
        Features.Reports.ReportEndpoints.Map(api);
        Features.Exports.ExportEndpoints.Map(api);
        Features.Interop.QdpxImportEndpoints.Map(api);
        Features.PublicSite.PublicSiteEndpoints.Map(app, api);
        Features.StorytellerPortal.PortalEndpoints.Map(app, api);
        Features.Transcription.DraftEndpoints.Map(api);
    }
}

/// <summary>
/// JSON API requests authenticated by the session cookie (the app's own pages calling the API)
/// must carry the antiforgery header on unsafe methods. Token-authenticated requests need not:
/// a browser never attaches a bearer token by itself.
/// </summary>
public sealed class ApiAntiforgeryMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context, IAntiforgery antiforgery)
    {
        if (context.Request.Path.StartsWithSegments("/api")
            && !HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method) && !HttpMethods.IsOptions(context.Request.Method)
            && context.User.Identity is { IsAuthenticated: true, AuthenticationType: var type } && type != ApiTokenAuthenticationHandler.SchemeName)
        {
            if (!await antiforgery.IsRequestValidAsync(context))
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                await context.Response.WriteAsJsonAsync(new { errors = new[] { new { message = "The request is missing its form-safety token. Reload the page and try again." } } });
                return;
            }
        }
        await next(context);
    }
}

/// <summary>
/// Until the first administrator exists, every page leads to /setup, the home page included: whoever
/// installed Storyweave must create the administrator first. The public story site under /stories
/// (endpoints, not pages) stays reachable, since it only ever shows what is published.
/// </summary>
public sealed class SetupRedirectMiddleware(RequestDelegate next, SetupState state)
{
    public async Task InvokeAsync(HttpContext context, AccountService accounts)
    {
        if (!state.Done)
        {
            if (await accounts.AnyAdminAsync(context.RequestAborted))
            {
                state.Done = true;
            }
            else if (HttpMethods.IsGet(context.Request.Method)
                     && context.GetEndpoint() is Microsoft.AspNetCore.Routing.RouteEndpoint { RoutePattern.RawText: var route }
                     && context.GetEndpoint()?.Metadata.GetMetadata<Microsoft.AspNetCore.Mvc.RazorPages.PageActionDescriptor>() is not null
                     && route is not null && !route.StartsWith("setup", StringComparison.Ordinal) && !route.StartsWith("error", StringComparison.Ordinal))
            {
                context.Response.Redirect("/setup");
                return;
            }
        }
        await next(context);
    }
}

/// <summary>Remembers, once true, that an administrator exists (it never becomes false again).</summary>
public sealed class SetupState
{
    private volatile bool _done;

    public bool Done { get => _done; set => _done = value; }
}
