using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor.Services;
using Webmail.Admin;
using Webmail.Auth;
using Webmail.Components;
using Webmail.Compose;
using Webmail.Core.Hosting;
using Webmail.Mail;
using Webmail.Pop3;
using Webmail.Smtp;

namespace Webmail.Hosting;

/// <summary>Composes the whole server: store, mail pipeline, SMTP and POP3 listeners, and the Blazor web UI.</summary>
public static class WebmailApp
{
    public const string WebListener = "web";

    public static WebApplication Build(string[] args)
    {
        // The application name picks the static web assets manifests (Webmail.staticwebassets.*.json); without
        // it a host started from another entry assembly (a test runner) looks for "testhost.*" and fails.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ApplicationName = typeof(WebmailApp).Assembly.GetName().Name });
        // Static web assets (_content/*, _framework/*) also when the built output runs outside Development.
        builder.WebHost.UseStaticWebAssets();
        ConfigureServices(builder.Services, builder.Configuration, builder.Environment.ContentRootPath);

        var app = builder.Build();
        Configure(app);
        return app;
    }

    public static void ConfigureServices(IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        services.AddWebmailBase(configuration, contentRoot);
        // Before SMTP and POP3: the live settings load before the listeners start.
        services.AddWebmailAdmin();
        services.AddWebmailSmtp();
        services.AddWebmailPop3();
        services.AddWebmailCompose();

        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        services.AddCascadingAuthenticationState();
        services.AddScoped<AuthenticationStateProvider, RevalidatingAccountStateProvider>();
        services.AddScoped<AccountValidator>();
        services.AddScoped<Webmail.Settings.UserPreferences>();
        services.AddSingleton<SetupState>();
        services.AddHttpContextAccessor();
        // Cookie keys live in the data directory, so sign-ins survive a restart; created owner-only
        // first, since DataProtection would create the folder world-readable.
        var keys = Path.Combine(services.BuildDataPaths().DataDirectory, "keys");
        DataDirectoryPermissions.CreateDirectory(keys);
        services.AddDataProtection()
            .SetApplicationName("Webmail")
            .PersistKeysToFileSystem(new DirectoryInfo(keys));

        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(options =>
            {
                options.LoginPath = "/signin";
                options.LogoutPath = "/signout";
                options.AccessDeniedPath = "/denied";
                options.Cookie.Name = "webmail.auth";
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Strict;
                options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
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
        services.AddAntiforgery(options =>
        {
            options.Cookie.Name = "webmail.af";
            options.Cookie.SameSite = SameSiteMode.Strict;
        });
    }

    public static void Configure(WebApplication app)
    {
        var listeners = app.Services.GetRequiredService<ListenerRegistry>();
        var urls = app.Urls.Count > 0 ? string.Join(",", app.Urls) : app.Configuration["Urls"] ?? "";
        listeners.Register(WebListener, "HTTP", urls, implicitTls: urls.StartsWith("https", StringComparison.OrdinalIgnoreCase), startTls: false);
        app.Lifetime.ApplicationStarted.Register(() => listeners.MarkUp(WebListener));

        if (!app.Environment.IsDevelopment())
            app.UseExceptionHandler("/error", createScopeForErrors: true);

        app.Use(async (context, next) =>
        {
            context.Response.Headers.XContentTypeOptions = "nosniff";
            context.Response.Headers["Referrer-Policy"] = "same-origin";
            context.Response.Headers.XFrameOptions = "SAMEORIGIN";
            await next();
        });
        app.UseStaticFiles();
        app.UseSetupGate();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();

        app.MapHealth();
        app.MapMailEndpoints();
        app.MapStaticAssets();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
    }

    private static DataPaths BuildDataPaths(this IServiceCollection services) =>
        (DataPaths)services.Last(d => d.ServiceType == typeof(DataPaths)).ImplementationInstance!;

    /// <summary>Until the first account exists, every page leads to /setup (health and static files excepted).</summary>
    private static void UseSetupGate(this WebApplication app) =>
        app.Use(async (context, next) =>
        {
            var path = context.Request.Path;
            var exempt = path.StartsWithSegments("/setup") || path.StartsWithSegments("/healthz") || path.StartsWithSegments("/_framework")
                || path.StartsWithSegments("/_content") || path.StartsWithSegments("/_blazor") || Path.HasExtension(path.Value);
            if (!exempt && !await context.RequestServices.GetRequiredService<SetupState>().IsCompletedAsync(context.RequestAborted))
            {
                context.Response.Redirect("/setup");
                return;
            }
            await next();
        });
}
