using System.Globalization;
using System.Text;
using Webmail.Core.Storage;

namespace Webmail.Pop3.Protocol;

/// <summary>
/// The TRANSACTION-state commands of RFC 1939 §5 and §7 (STAT, LIST, UIDL, RETR, TOP, DELE, NOOP,
/// RSET) over the session's <see cref="Maildrop"/>. A bad argument answers <c>-ERR</c> and changes nothing.
/// </summary>
public sealed class TransactionCommands(Maildrop maildrop, IRawMessageReader messages, ReplyWriter reply)
{
    public Maildrop Maildrop { get; } = maildrop;

    /// <returns>False when <paramref name="command"/> is not a TRANSACTION command handled here.</returns>
    public bool TryExecute(Pop3Command command)
    {
        var args = command.Arguments;
        switch (command.Keyword)
        {
            case "STAT" when args.Count == 0:
                reply.Ok($"{Maildrop.VisibleCount} {Maildrop.VisibleOctets}");
                return true;
            case "LIST" when args.Count <= 1:
                List(args.Count == 0 ? null : args[0], uniqueIds: false);
                return true;
            case "UIDL" when args.Count <= 1:
                List(args.Count == 0 ? null : args[0], uniqueIds: true);
                return true;
            case "RETR" when args.Count == 1:
                Retrieve(args[0], topLines: null);
                return true;
            case "TOP" when args.Count == 2:
                if (!Maildrop.TryParseNumber(args[1], out var lines))
                    reply.Err("Invalid line count");
                else
                    Retrieve(args[0], lines);
                return true;
            case "DELE" when args.Count == 1:
                if (Find(args[0], out var number))
                {
                    // RFC 1939 §6: only a mark; the message goes (or not, per policy) in the UPDATE state.
                    Maildrop.MarkDeleted(number);
                    reply.Ok($"Message {number} deleted");
                }
                return true;
            case "NOOP" when args.Count == 0:
                reply.Ok();
                return true;
            case "RSET" when args.Count == 0:
                Maildrop.Reset();
                reply.Ok(Summary(Maildrop));
                return true;
            case "STAT" or "LIST" or "UIDL" or "RETR" or "TOP" or "DELE" or "NOOP" or "RSET":
                reply.Err("Syntax error");
                return true;
            default:
                return false;
        }
    }

    /// <summary>The "maildrop has n messages (m octets)" text used after login and RSET.</summary>
    public static string Summary(Maildrop maildrop) =>
        $"Maildrop has {maildrop.VisibleCount} message{(maildrop.VisibleCount == 1 ? "" : "s")} ({maildrop.VisibleOctets} octets)";

    private bool Find(string argument, out int number)
    {
        switch (Maildrop.Find(argument, out number))
        {
            case MessageLookup.Found:
                return true;
            case MessageLookup.Invalid:
                reply.Err("Invalid message number");
                return false;
            case MessageLookup.Deleted:
                reply.Err($"Message {number} already deleted");
                return false;
            default:
                reply.Err("No such message");
                return false;
        }
    }

    /// <summary>LIST and UIDL (RFC 1939 §5, §7): one message, or every message not marked deleted.</summary>
    private void List(string? argument, bool uniqueIds)
    {
        if (argument is not null)
        {
            if (Find(argument, out var one))
                reply.Ok(uniqueIds ? $"{one} {Maildrop[one].UniqueId}" : $"{one} {Maildrop[one].Size}");
            return;
        }

        reply.Ok(uniqueIds ? "Unique-ID listing follows" : $"{Maildrop.VisibleCount} messages ({Maildrop.VisibleOctets} octets)");
        var connection = reply.Connection;
        for (var number = 1; number <= Maildrop.Count; number++)
        {
            if (Maildrop.IsDeleted(number))
                continue;
            var entry = Maildrop[number];
            // Formatted straight into the output buffer: a 50,000-line listing allocates nothing per line.
            var span = connection.GetSpan(96);
            number.TryFormat(span, out var n, default, CultureInfo.InvariantCulture);
            span[n++] = (byte)' ';
            if (uniqueIds)
                n += Encoding.ASCII.GetBytes(entry.UniqueId, span[n..]);
            else
            {
                entry.Size.TryFormat(span[n..], out var m, default, CultureInfo.InvariantCulture);
                n += m;
            }
            span[n++] = (byte)'\r';
            span[n++] = (byte)'\n';
            connection.Advance(n);
        }
        reply.End();
    }

    /// <summary>RETR (whole message) or TOP (<paramref name="topLines"/> body lines), streamed from the store.</summary>
    private void Retrieve(string argument, long? topLines)
    {
        if (!Find(argument, out var number))
            return;
        var entry = Maildrop[number];
        var source = messages.Open(entry.Id);
        if (source is null)
        {
            // Removed meanwhile by another door (the web UI); the snapshot still lists it.
            reply.Err("Message no longer exists");
            return;
        }
        using (source)
        {
            if (topLines is { } lines)
            {
                reply.Ok("Top of message follows");
                MultilineWriter.WriteTop(reply.Connection, source, lines);
            }
            else
            {
                reply.Ok($"{entry.Size} octets");
                MultilineWriter.WriteMessage(reply.Connection, source);
                Maildrop.MarkRetrieved(number);
            }
        }
    }
}
