using Webmail.Cli;
using Webmail.Hosting;

// One executable: with a verb it is the operator's CLI (domain, account, alias, ...); without one
// (or with "serve") it runs the server.
if (OperatorCli.IsCommand(args))
    return await OperatorCli.RunAsync(args, Console.In, Console.Out, Console.Error);

var app = WebmailApp.Build(OperatorCli.ServeArguments(args));
await app.RunAsync();
return 0;

/// <summary>Lets tests start the real server with <c>WebApplicationFactory&lt;Program&gt;</c>.</summary>
public partial class Program;
