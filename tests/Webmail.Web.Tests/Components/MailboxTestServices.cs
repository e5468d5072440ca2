using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using Webmail.Core.Accounts;
using Webmail.Core.Notifications;
using Webmail.Core.Storage;
using Webmail.Reading;
using Webmail.Settings;
using Webmail.Testing;

namespace Webmail.Web.Tests.Components;

/// <summary>What the mailbox components need in a bUnit context, over a real store.</summary>
internal static class MailboxTestServices
{
    public static void AddMailbox(this BunitContext context, TestStore store)
    {
        context.Services.AddMudServices();
        context.Services.AddLogging();
        context.Services.AddSingleton<IMailboxReader>(store.Messages);
        context.Services.AddSingleton<IMailboxWriter>(store.Messages);
        context.Services.AddSingleton(store.Directory);
        context.Services.AddSingleton<DirectoryService>(store.DirectoryService);
        context.Services.AddScoped<UserPreferences>();
        context.Services.AddScoped<MailboxState>();
        context.Services.AddSingleton(store.Services.GetRequiredService<MailboxNotifier>());
        context.JSInterop.Mode = JSRuntimeMode.Loose;
    }
}
