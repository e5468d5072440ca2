using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Webmail.Core.Configuration;
using Webmail.Mail.Authentication;
using Webmail.Mail.Outbound;
using Webmail.Testing;

namespace Webmail.Mail.Tests.Authentication;

/// <summary>
/// The SPF evaluator held to RFC 7208's rules, scenario by scenario (spf-scenarios.json, after the cases of the
/// OpenSPF RFC 7208 test suite), through the real resolver (DnsClient) against a real DNS server on loopback
/// serving every scenario's records.
/// </summary>
public sealed class SpfScenarioTests(SpfScenarioTests.Zone zone) : IClassFixture<SpfScenarioTests.Zone>
{
    /// <param name="Explanation">The fail's explanation (RFC 7208 §6.2, <c>exp=</c>); absent: none expected.</param>
    public sealed record Scenario(string Name, string Rfc, string Ip, string MailFrom, string Helo, string[][] Records, string Expect, string? Explanation = null)
    {
        public override string ToString() => $"{Name} (RFC 7208 §{Rfc})";
    }

    private static readonly string DataFile = Path.Combine(AppContext.BaseDirectory, "Authentication", "spf-scenarios.json");

    public static IReadOnlyList<Scenario> All { get; } =
        JsonSerializer.Deserialize<List<Scenario>>(File.ReadAllText(DataFile), new JsonSerializerOptions { PropertyNameCaseInsensitive = true })!;

    public static IEnumerable<object[]> Names => All.Select(s => new object[] { s.Name });

    /// <summary>One DNS server with every scenario's records (each scenario has names of its own).</summary>
    public sealed class Zone : IDisposable
    {
        public LoopbackDnsServer Dns { get; } = new();
        public IDnsLookup Lookup { get; }

        public Zone()
        {
            foreach (var record in All.SelectMany(s => s.Records))
            {
                var (name, type, value) = (record[0], record[1], record[2]);
                switch (type)
                {
                    case "TXT": Dns.Txt(name, value); break;
                    case "A": case "AAAA": Dns.Address(name, value); break;
                    case "MX":
                        var parts = value.Split(' ');
                        Dns.Mx(name, int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), parts[1]);
                        break;
                    case "PTR": Dns.Ptr(name, value); break;
                    case "SERVFAIL": Dns.Failing[name] = true; break;
                    case "TIMEOUT": Dns.Silent[name] = true; break;
                    default: throw new InvalidDataException($"Unknown record type {type} in {DataFile}");
                }
            }
            var options = new WebmailOptions();
            options.Dns.Servers.Add(Dns.Endpoint);
            options.Dns.Timeout = TimeSpan.FromMilliseconds(300);
            Lookup = new DnsClientLookup(Options.Create(options));
        }

        public void Dispose() => Dns.Dispose();
    }

    [Theory]
    [MemberData(nameof(Names))]
    public async Task ScenarioGivesTheRfcResult(string name)
    {
        var scenario = All.Single(s => s.Name == name);

        var result = await new SpfEvaluator(zone.Lookup).CheckAsync(IPAddress.Parse(scenario.Ip), scenario.MailFrom, scenario.Helo, default);

        Assert.True(scenario.Expect == result.Keyword, $"{scenario}: expected {scenario.Expect}, got {result.Keyword} ({result.Reason})");
        Assert.Equal(scenario.MailFrom.Length == 0 ? "helo" : "mailfrom", result.Scope);
        Assert.Equal(scenario.Explanation, result.Explanation);
    }

    [Fact]
    public void EveryResultOfTheRfcIsCovered()
    {
        Assert.Equal(Enum.GetNames<SpfVerdict>().Select(n => n.ToLowerInvariant()).Order(), All.Select(s => s.Expect).Distinct().Order());
    }

    [Fact]
    public async Task ABudgetUsedUpIsATempErrorNotAPass()
    {
        using var spent = new CancellationTokenSource();
        await spent.CancelAsync();

        var result = await new SpfEvaluator(zone.Lookup).CheckAsync(IPAddress.Parse("192.0.2.7"), $"bob@budget-{Guid.NewGuid():N}.example", "client.example", spent.Token);

        Assert.Equal(SpfVerdict.TempError, result.Verdict);
    }
}
