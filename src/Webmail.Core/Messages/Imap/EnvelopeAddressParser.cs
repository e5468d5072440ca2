using System.Text;

namespace Webmail.Core.Messages.Imap;

/// <summary>
/// Parses an address header value into ENVELOPE addresses the way Dovecot 2.3's <c>message-address.c</c> does with
/// <c>FILL_MISSING</c> (as its ENVELOPE does): names unquoted but RFC 2047 words left encoded, a comment as the name of
/// a bare addr-spec, "MISSING_MAILBOX" / "MISSING_DOMAIN" / "SYNTAX_ERROR" / "INVALID_ROUTE" where the value is broken,
/// and groups as RFC 9051 §7.5.2 group markers. Never throws.
/// </summary>
internal sealed class EnvelopeAddressParser
{
    private readonly Rfc822Reader _reader;
    private readonly List<EnvelopeAddress> _list = [];
    private readonly StringBuilder _str = new();
    private readonly StringBuilder _lastComment = new();
    private string? _name, _route, _mailbox, _domain;
    private bool _invalid;

    private EnvelopeAddressParser(string value)
    {
        _reader = new Rfc822Reader(value) { NulReplacement = "\uFFFD", LastComment = _lastComment };
    }

    /// <summary>The addresses of <paramref name="value"/> (an unfolded header value), appended to <paramref name="list"/>.</summary>
    public static void Parse(string value, List<EnvelopeAddress> list)
    {
        var parser = new EnvelopeAddressParser(value);
        if (parser._reader.SkipLwsp() > 0)
            parser.ParseAddressList();
        list.AddRange(parser._list);
    }

    private void AddAddress()
    {
        _list.Add(new EnvelopeAddress(_name, _route, _mailbox, _domain));
        _name = _route = _mailbox = _domain = null;
        _invalid = false;
    }

    private int ParseNonStrictDotAtom(StringBuilder str)
    {
        var ret = -1;
        do
        {
            while (_reader.Current == '.' && !_reader.AtEnd)
            {
                str.Append('.');
                _reader.Position++;
                if (_reader.AtEnd)
                    return 0; // the @domain is missing, but the local-part was read
                ret = 1;
            }
            if (_reader.Current == '@')
                break;
            ret = _reader.ParseAtom(str);
        } while (ret > 0 && _reader.Current == '.');
        return ret;
    }

    private int ParseLocalPart()
    {
        _str.Clear();
        var ret = _reader.Current == '"' ? _reader.ParseQuotedString(_str) : ParseNonStrictDotAtom(_str);
        if (ret < 0)
            return -1;
        _mailbox = _str.ToString();
        return ret;
    }

    private int ParseDomain()
    {
        _str.Clear();
        int ret;
        if ((ret = _reader.ParseDomain(_str)) < 0)
            return -1;
        _domain = _str.ToString();
        return ret;
    }

    private int ParseDomainList()
    {
        // obs-domain-list = "@" domain *(*(CFWS / "," ) [CFWS] "@" domain)
        _str.Clear();
        while (true)
        {
            if (_reader.AtEnd)
                return 0;
            if (_reader.Current != '@')
                break;
            if (_str.Length > 0)
                _str.Append(',');
            _str.Append('@');
            int ret;
            if ((ret = _reader.ParseDomain(_str)) <= 0)
                return ret;
            while (_reader.SkipLwsp() > 0 && _reader.Current == ',')
                _reader.Position++;
        }
        _route = _str.ToString();
        return 1;
    }

    private int ParseAngleAddr()
    {
        // "<" [ "@" route ":" ] local-part "@" domain ">"
        _reader.Position++;
        if (_reader.SkipLwsp() <= 0)
            return -1;
        if (_reader.Current == '@')
        {
            if (ParseDomainList() > 0 && _reader.Current == ':')
            {
                _reader.Position++;
            }
            else
            {
                _route = "INVALID_ROUTE";
                if (_reader.AtEnd)
                    return -1;
            }
            if (_reader.SkipLwsp() <= 0)
                return -1;
        }
        if (_reader.Current != '>')
        {
            if (ParseLocalPart() <= 0)
                return -1;
            if (_reader.Current == '@' && ParseDomain() <= 0)
                return -1;
        }
        if (_reader.Current != '>')
            return -1;
        _reader.Position++;
        return _reader.SkipLwsp();
    }

    private int ParseNameAddr()
    {
        _str.Clear();
        if (_reader.ParsePhrase(_str) <= 0 || _reader.Current != '<')
            return -1;
        _name = _str.Length == 0 ? null : _str.ToString();
        if (ParseAngleAddr() < 0)
        {
            _domain = "SYNTAX_ERROR";
            _invalid = true;
        }
        return _reader.AtEnd ? 0 : 1;
    }

    private int ParseAddrSpec()
    {
        int ret, ret2 = -2;
        _lastComment.Clear();
        var quotedString = _reader.Current == '"';
        ret = ParseLocalPart();
        if (ret <= 0)
            _invalid = true;
        if (ret != 0 && !_reader.AtEnd && _reader.Current == '@')
        {
            ret2 = ParseDomain();
            if (ret2 <= 0)
                ret = ret2;
        }
        if (_lastComment.Length > 0)
        {
            _name = _lastComment.ToString();
        }
        else if (ret2 == -2)
        {
            // A "user" without @domain: a mailbox when nothing follows, else the start of a display name.
            _str.Append(' ');
            var length = _str.Length;
            _reader.ParsePhrase(_str);
            if (_str.Length != length)
            {
                _mailbox = null;
                _name = _str.ToString();
            }
            else if (!quotedString)
            {
                _domain = "";
            }
            _invalid = true;
            ret = -1;
        }
        return ret;
    }

    private void AddFixedAddress()
    {
        if (_mailbox is null)
        {
            _mailbox = "MISSING_MAILBOX";
            _invalid = true;
        }
        if (string.IsNullOrEmpty(_domain))
        {
            _domain = "MISSING_DOMAIN";
            _invalid = true;
        }
        AddAddress();
    }

    private int ParseMailbox()
    {
        var start = _reader.Position;
        int ret;
        if ((ret = ParseNameAddr()) < 0)
        {
            _reader.Position = start;
            ret = ParseAddrSpec();
            if (_invalid && _name is null && _mailbox is not null && _domain is null)
            {
                _name = _mailbox;
                _mailbox = null;
            }
        }
        if (ret < 0)
            _invalid = true;
        AddFixedAddress();
        return ret;
    }

    private int ParseGroup()
    {
        _str.Clear();
        if (_reader.ParsePhrase(_str) <= 0 || _reader.Current != ':')
            return -1;
        // From here on a group, whatever the problems.
        _reader.Position++;
        int ret;
        if ((ret = _reader.SkipLwsp()) <= 0)
            _invalid = true;
        _mailbox = _str.ToString();
        AddAddress();
        if (ret > 0 && _reader.Current != ';')
        {
            while (true)
            {
                ParseMailbox(); // a broken mailbox: continue anyway
                if (_reader.AtEnd || _reader.Current != ',')
                    break;
                _reader.Position++;
                if (_reader.SkipLwsp() <= 0)
                {
                    ret = -1;
                    break;
                }
            }
        }
        if (ret >= 0)
        {
            if (_reader.AtEnd || _reader.Current != ';')
            {
                ret = -1;
            }
            else
            {
                _reader.Position++;
                ret = _reader.SkipLwsp();
            }
        }
        AddAddress();
        return ret == 0 ? 0 : 1;
    }

    private int ParseAddress()
    {
        var start = _reader.Position;
        int ret;
        if ((ret = ParseGroup()) < 0)
        {
            // Not a group: a mailbox. A failed group attempt leaves no state behind.
            _reader.Position = start;
            _name = _route = _mailbox = _domain = null;
            _invalid = false;
            ret = ParseMailbox();
        }
        return ret;
    }

    private void ParseAddressList()
    {
        // Dovecot passes UINT_MAX as the address limit; the value's length bounds the loop here.
        while (true)
        {
            var before = _reader.Position;
            if (ParseAddress() == 0)
                break;
            if (_reader.AtEnd || _reader.Current != ',')
                break;
            _reader.Position++;
            int ret;
            if ((ret = _reader.SkipLwsp()) <= 0)
            {
                if (ret < 0)
                    AddFixedAddress(); // ends with garbage
                break;
            }
            if (_reader.Position == before)
                break;
        }
    }
}
