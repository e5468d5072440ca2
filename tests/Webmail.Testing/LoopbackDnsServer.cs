using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;

namespace Webmail.Testing;

/// <summary>
/// A real DNS server (ARSoft.Tools.Net's) on 127.0.0.1, UDP and TCP, answering from a zone the test
/// fills in: authoritative answers, CNAMEs followed within the zone, NXDOMAIN for names it does not
/// hold, NODATA for a name it holds without the type asked, SERVFAIL for <see cref="Failing"/> names, and
/// silence (a timeout) for <see cref="Silent"/> ones.
/// The server points at it with <c>Webmail:Dns:Servers</c> = <see cref="Endpoint"/>.
/// </summary>
public sealed class LoopbackDnsServer : IDisposable
{
    private readonly ConcurrentDictionary<DomainName, List<DnsRecordBase>> _zone = new();
    private readonly DnsServer _server;

    public LoopbackDnsServer()
    {
        for (var attempt = 0; ; attempt++)
        {
            Port = FreePort.Next();
            try
            {
                // FreePort checked TCP; the UDP port must be free too.
                using (new UdpClient(new IPEndPoint(IPAddress.Loopback, Port))) { }
                break;
            }
            catch (SocketException) when (attempt < 20)
            {
            }
        }
        _server = new DnsServer(new UdpServerTransport(new IPEndPoint(IPAddress.Loopback, Port), 5000), new TcpServerTransport(new IPEndPoint(IPAddress.Loopback, Port), 5000, 120_000));
        _server.QueryReceived += OnQueryAsync;
        _server.Start();
    }

    public int Port { get; }

    /// <summary>
    /// An empty server for a server under test whose settings name no resolver of their own, or null when they do:
    /// inbound mail is checked against DNS (SPF, DMARC, DKIM), and a test never asks the machine's resolver. An empty
    /// zone answers NXDOMAIN at once. <paramref name="keys"/> are configuration keys, with or without a leading <c>--</c>.
    /// </summary>
    public static LoopbackDnsServer? UnlessConfigured(IEnumerable<string> keys) =>
        keys.Any(k => k.TrimStart('-').StartsWith("Webmail:Dns:Servers", StringComparison.OrdinalIgnoreCase)) ? null : new LoopbackDnsServer();

    /// <summary>The value for <c>Webmail:Dns:Servers</c>.</summary>
    public string Endpoint => $"127.0.0.1:{Port}";

    /// <summary>Names whose every question is answered SERVFAIL.</summary>
    public ConcurrentDictionary<string, bool> Failing { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Names whose questions get no answer at all: the client's lookup times out.</summary>
    public ConcurrentDictionary<string, bool> Silent { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Every question asked, in order: name and type.</summary>
    public ConcurrentQueue<(string Name, RecordType Type)> Questions { get; } = new();

    public int Ttl { get; set; } = 300;

    public LoopbackDnsServer Mx(string name, int preference, string host) => Add(new MxRecord(Name(name), Ttl, (ushort)preference, Name(host)));

    /// <summary>A TXT record; text longer than 255 octets is split into several strings, as a zone file must (RFC 1035 §3.3.14).</summary>
    public LoopbackDnsServer Txt(string name, string text) => Add(new TxtRecord(Name(name), Ttl, text.Chunk(255).Select(c => new string(c))));

    public LoopbackDnsServer Cname(string name, string target) => Add(new CNameRecord(Name(name), Ttl, Name(target)));

    public LoopbackDnsServer Srv(string name, int priority, int weight, int port, string target) =>
        Add(new SrvRecord(Name(name), Ttl, (ushort)priority, (ushort)weight, (ushort)port, target == "." ? DomainName.Root : Name(target)));

    /// <summary>A PTR record for <paramref name="address"/> (at its in-addr.arpa or ip6.arpa name).</summary>
    public LoopbackDnsServer Ptr(string address, string host) => Add(new PtrRecord(IPAddress.Parse(address).GetReverseLookupDomain(), Ttl, Name(host)));

    public LoopbackDnsServer Address(string name, string address)
    {
        var ip = IPAddress.Parse(address);
        return Add(ip.AddressFamily == AddressFamily.InterNetworkV6 ? new AaaaRecord(Name(name), Ttl, ip) : new ARecord(Name(name), Ttl, ip));
    }

    /// <summary>Removes every record at <paramref name="name"/>.</summary>
    public void Remove(string name) => _zone.TryRemove(Name(name), out _);

    private LoopbackDnsServer Add(DnsRecordBase record)
    {
        var list = _zone.GetOrAdd(record.Name, _ => []);
        lock (list)
            list.Add(record);
        return this;
    }

    private static DomainName Name(string name) => DomainName.Parse(name.TrimEnd('.'));

    private Task OnQueryAsync(object sender, QueryReceivedEventArgs e)
    {
        if (e.Query is not DnsMessage query || query.Questions.Count != 1)
            return Task.CompletedTask;
        var question = query.Questions[0];
        Questions.Enqueue((question.Name.ToString().TrimEnd('.'), question.RecordType));
        if (Silent.ContainsKey(question.Name.ToString().TrimEnd('.')))
            return Task.CompletedTask; // no response set: nothing is sent back
        var response = query.CreateResponseInstance();
        response.IsAuthoritiveAnswer = true;
        if (Failing.ContainsKey(question.Name.ToString().TrimEnd('.')))
            response.ReturnCode = ReturnCode.ServerFailure;
        else if (!_zone.ContainsKey(question.Name))
            response.ReturnCode = ReturnCode.NxDomain;
        else
            Answer(response, question.Name, question.RecordType, depth: 0);
        e.Response = response;
        return Task.CompletedTask;
    }

    private void Answer(DnsMessage response, DomainName name, RecordType type, int depth)
    {
        if (!_zone.TryGetValue(name, out var records))
            return;
        List<DnsRecordBase> copy;
        lock (records)
            copy = [.. records];
        var matching = copy.Where(r => r.RecordType == type).ToList();
        if (matching.Count > 0 || type == RecordType.CName)
        {
            response.AnswerRecords.AddRange(matching);
            return;
        }
        // RFC 1034 §3.6.2: a CNAME is answered for any type, and the server follows it when it can.
        if (copy.OfType<CNameRecord>().FirstOrDefault() is { } alias && depth < 8)
        {
            response.AnswerRecords.Add(alias);
            Answer(response, alias.CanonicalName, type, depth + 1);
        }
    }

    public void Dispose() => _server.Stop();
}
