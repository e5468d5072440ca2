using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;
using Webmail.Core.Configuration;
using MudBlazor.Services;
using Webmail.Admin;
using Webmail.Api;
using Webmail.Auth;
using Webmail.Components;
using Webmail.Compose;
using Webmail.Core.Hosting;
using Webmail.Reading;
using Webmail.Settings;
using Webmail.Pop3;
using Webmail.Imap;
using Webmail.ManageSieve;
using Webmail.Smtp;
using Webmail.Transfer;

namespace Webmail.Hosting;

/// <summary>Composes the whole server: store, mail pipeline, SMTP and POP3 listeners, and the Blazor web UI.</summary>
public static class WebmailApp
{
    public const string WebListener = "web";

    /// <param name="configureServices">More services after the server's own (tests register small real implementations of extension points).</param>
    public static WebApplication Build(string[] args, Action<IServiceCollection>? configureServices = null)
    {
        // The application name picks the static web assets manifests (Webmail.staticwebassets.*.json); without
        // it a host started from another entry assembly (a test runner) looks for "testhost.*" and fails.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = ["--hostBuilder:reloadConfigOnChange=false", .. args],
            ApplicationName = typeof(WebmailApp).Assembly.GetName().Name,
        });
        ReloadSettingsFilesByPolling(builder.Configuration, builder.Environment.ContentRootPath);
        // Static web assets (_content/*, _framework/*) also when the built output runs outside Development.
        builder.WebHost.UseStaticWebAssets();
        // What `dotnet run` serves is the build output, whose assets manifest MapStaticAssets treats as a development
        // one: every asset with no-cache, so each page asked again for its stylesheets and scripts. The manifest's own
        // headers are right in any environment (a changed file gets a new fingerprinted URL): fingerprinted URLs cached
        // for a year as immutable, the rest revalidated. The mailbox page after sign-in then takes them from the cache.
        builder.Configuration["EnableStaticAssetsDevelopmentCaching"] ??= "true";
        ConfigureServices(builder.Services, builder.Configuration, builder.Environment.ContentRootPath);
        configureServices?.Invoke(builder.Services);
        builder.AddWebmailObservability();

        var app = builder.Build();
        Configure(app);
        return app;
    }

    /// <summary>
    /// appsettings*.json still reload when edited, but by polling those files, not by the host's default watcher. That
    /// one watches the whole content root, subdirectories included, and the data directory is usually inside it
    /// ("data"): every write to the SQLite file woke it (an inotify event and a file check each, 7 % of the CPU of
    /// one SMTP session's deliveries, and more kernel work in each write).
    /// </summary>
    private static void ReloadSettingsFilesByPolling(ConfigurationManager configuration, string contentRoot)
    {
        IList<IConfigurationSource> sources = ((IConfigurationBuilder)configuration).Sources;
        var files = new PhysicalFileProvider(contentRoot) { UsePollingFileWatcher = true, UseActivePolling = true };
        for (var i = 0; i < sources.Count; i++)
        {
            if (sources[i] is JsonConfigurationSource { ReloadOnChange: false } json && json.Path?.StartsWith("appsettings", StringComparison.Ordinal) == true)
                sources[i] = new JsonConfigurationSource { Path = json.Path, Optional = json.Optional, ReloadOnChange = true, FileProvider = files };
        }
    }

    public static void ConfigureServices(IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        services.AddWebmailBase(configuration, contentRoot);
        // Before SMTP and POP3: the live settings load before the listeners start.
        services.AddWebmailAdmin();
        services.AddWebmailSmtp();
        services.AddWebmailPop3();
        services.AddWebmailImap();
        services.AddWebmailManageSieve();
        services.AddWebmailCompose();

        services.AddRazorComponents().AddInteractiveServerComponents();
        // Webmail:Web:Circuit: Blazor's CircuitOptions (how many disconnected circuits are kept, and how long, for a
        // browser to reconnect to).
        services.AddOptions<Microsoft.AspNetCore.Components.Server.CircuitOptions>().Bind(configuration.GetSection("Webmail:Web:Circuit"));
        services.AddMudServices();
        services.AddCascadingAuthenticationState();
        services.AddScoped<AuthenticationStateProvider, RevalidatingAccountStateProvider>();
        services.AddScoped<AccountValidator>();
        services.AddSingleton<WebSignIn>();
        services.AddSingleton<PasskeyCeremonies>();
        services.AddHostedService<Housekeeping>();
        services.AddHostedService<RetentionWorker>();
        services.AddSingleton<Webmail.Transfer.ImportJobs>();
        services.AddHostedService(sp => sp.GetRequiredService<Webmail.Transfer.ImportJobs>());
        services.AddSingleton(sp => DataDirectoryLock.Acquire(sp.GetRequiredService<DataPaths>().DataDirectory));
        services.AddSingleton<ScheduledBackups>();
        services.AddHostedService(sp => sp.GetRequiredService<ScheduledBackups>());
        services.AddScoped<Webmail.Settings.UserPreferences>();
        services.AddSingleton<Webmail.Settings.MailClientSetup>();
        services.AddScoped<Webmail.Reading.MailboxState>();
        services.AddSingleton<SetupState>();
        services.AddHttpContextAccessor();
        var dataProtection = services.AddDataProtection().SetApplicationName("Webmail");
        if (services.Any(s => s.ServiceType == typeof(Webmail.Core.Storage.IDataProtectionKeyStore)))
        {
            // Several nodes on one store: the keys are in the store, so a sign-in holds on every node.
            SharedKeyRing.Use(services);
        }
        else
        {
            // Cookie keys live in the data directory, so sign-ins survive a restart; created owner-only
            // first, since DataProtection would create the folder world-readable.
            var keys = Path.Combine(services.BuildDataPaths().DataDirectory, "keys");
            DataDirectoryPermissions.CreateDirectory(keys);
            dataProtection.PersistKeysToFileSystem(new DirectoryInfo(keys));
        }

        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(options =>
            {
                options.LoginPath = "/signin";
                options.LogoutPath = "/signout";
                options.AccessDeniedPath = "/denied";
                options.Cookie.Name = "webmail.auth";
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Strict;
                options.Cookie.SecurePolicy = CookiePolicy(configuration);
                options.ExpireTimeSpan = TimeSpan.FromDays(14);
                options.SlidingExpiration = true;
                options.Events.OnValidatePrincipal = async context =>
                {
                    var validator = context.HttpContext.RequestServices.GetRequiredService<AccountValidator>();
                    if (!await validator.IsValidAsync(context.Principal!, context.HttpContext.RequestAborted))
                    {
                        context.RejectPrincipal();
                        await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
                    }
                };
            });
        services.AddAuthorizationBuilder()
            .AddPolicy("Admin", policy => policy.RequireRole(AccountClaims.AdminRole));
        services.AddAdminApi();
        services.AddAntiforgery(options =>
        {
            options.Cookie.Name = "webmail.af";
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.SecurePolicy = CookiePolicy(configuration);
        });
        services.Configure<ForwardedHeadersOptions>(options => ConfigureProxies(options, Web(configuration).KnownProxies));
    }

    private static WebOptions Web(IConfiguration configuration) =>
        configuration.GetSection(WebmailOptions.SectionName).Get<WebmailOptions>()?.Web ?? new WebOptions();

    /// <summary>
    /// Secure cookies always when the server is reached over HTTPS by configuration (an https URL, or a
    /// TLS-terminating proxy in front); otherwise as the request came.
    /// </summary>
    private static CookieSecurePolicy CookiePolicy(IConfiguration configuration)
    {
        var web = Web(configuration);
        var https = (configuration["Urls"] ?? "").Contains("https://", StringComparison.OrdinalIgnoreCase);
        return web.SecureCookies ?? (https || web.KnownProxies.Count > 0) ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
    }

    /// <summary>
    /// Forwarded headers are believed only from the configured proxies (the framework's default also
    /// trusts loopback; cleared here). Every trusted hop is unwound, up to the first address that is not a proxy.
    /// </summary>
    internal static void ConfigureProxies(ForwardedHeadersOptions options, IEnumerable<string> proxies)
    {
        options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        options.ForwardLimit = null;
        foreach (var entry in proxies.Where(p => !string.IsNullOrWhiteSpace(p)).Select(p => p.Trim()))
        {
            if (System.Net.IPNetwork.TryParse(entry, out var network))
                options.KnownIPNetworks.Add(network);
            else if (System.Net.IPAddress.TryParse(entry, out var address))
                options.KnownProxies.Add(address);
            else
                throw new InvalidOperationException($"Webmail:Web:KnownProxies: '{entry}' is not an IP address or CIDR network.");
        }
    }

    public static void Configure(WebApplication app)
    {
        // Before anything opens the store: a second server on this data directory stops here.
        app.Services.GetRequiredService<DataDirectoryLock>();
        SharedKeyRing.EnsureKey(app.Services);
        var listeners = app.Services.GetRequiredService<ListenerRegistry>();
        var urls = app.Urls.Count > 0 ? string.Join(",", app.Urls) : app.Configuration["Urls"] ?? "";
        listeners.Register(WebListener, "HTTP", urls, implicitTls: urls.StartsWith("https", StringComparison.OrdinalIgnoreCase), startTls: false);
        app.Lifetime.ApplicationStarted.Register(() => listeners.MarkUp(WebListener));

        // First, so the limiter, the audit log and the cookie policy see the client, not the proxy.
        if (Web(app.Configuration).KnownProxies.Count > 0)
            app.UseForwardedHeaders();
        if (!app.Environment.IsDevelopment())
            app.UseExceptionHandler("/error", createScopeForErrors: true);

        app.Use(async (context, next) =>
        {
            context.Response.Headers.XContentTypeOptions = "nosniff";
            context.Response.Headers["Referrer-Policy"] = "same-origin";
            context.Response.Headers.XFrameOptions = "SAMEORIGIN";
            ContentSecurity.Apply(context);
            await next();
        });
        app.UseStoreUnavailablePage();
        app.UseAdminApi();
        // A page the app does not have answers 404 with the app's not-found page (an empty 404 before); only for browsers
        // asking for a page, so the mail and API endpoints keep their bare 404s.
        app.UseWhen(context => HttpMethods.IsGet(context.Request.Method) && context.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase),
            branch => branch.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true));
        app.UseStaticFiles();
        // Routing after the status-code pages, so a re-executed /not-found finds its endpoint.
        app.UseRouting();
        app.UseSetupGate();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();

        app.MapHealth();
        app.MapObservability();
        app.MapMailEndpoints();
        app.MapExportEndpoint();
        app.MapClientConfigEndpoints();
        app.MapMtaStsPolicy();
        app.MapPasskeyEndpoints();
        app.MapAdminApi();
        app.MapStaticAssets();
        // The app policy (ContentSecurity) already says frame-ancestors; Blazor's own header would be a second one.
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode(options => options.ContentSecurityFrameAncestorsPolicy = null);
    }

    private static DataPaths BuildDataPaths(this IServiceCollection services) =>
        (DataPaths)services.Last(d => d.ServiceType == typeof(DataPaths)).ImplementationInstance!;

    /// <summary>Until the first account exists, every page leads to /setup (health, the API — which answers 401 then — and static files excepted).</summary>
    private static void UseSetupGate(this WebApplication app) =>
        app.Use(async (context, next) =>
        {
            var path = context.Request.Path;
            var exempt = path.StartsWithSegments("/setup") || path.StartsWithSegments("/.well-known/mta-sts.txt") || path.StartsWithSegments(AdminApi.Prefix) || path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz") || path.StartsWithSegments("/metrics") || path.StartsWithSegments("/_framework")
                || path.StartsWithSegments("/_content") || path.StartsWithSegments("/_blazor") || Path.HasExtension(path.Value);
            if (!exempt && !await context.RequestServices.GetRequiredService<SetupState>().IsCompletedAsync(context.RequestAborted))
            {
                context.Response.Redirect("/setup");
                return;
            }
            await next();
        });
}
