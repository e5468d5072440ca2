using Webmail.Sieve.Actions;

namespace Webmail.Sieve.Execution;

/// <summary>
/// Collects the actions of one run: folds duplicates (RFC 5228 §2.10.3: the same mailbox or the
/// same redirect address once), tracks the implicit keep (§2.10.2), enforces the action and
/// redirect limits and the conflicts of reject (RFC 5429 §2.3) and vacation (RFC 5230 §4.7).
/// </summary>
internal sealed class ResultBuilder(SieveLimits limits, string defaultMailbox)
{
    private readonly List<SieveAction> _actions = [];
    private int _redirects;

    /// <summary>False once keep, fileinto, redirect, discard or reject has cancelled the implicit keep.</summary>
    public bool ImplicitKeep { get; private set; } = true;

    public IReadOnlyList<SieveAction> Actions => _actions;

    public void Keep(IReadOnlyList<string> flags)
    {
        ImplicitKeep = false;
        Store(defaultMailbox, flags, copy: false, create: false, keep: true);
    }

    public void FileInto(string mailbox, IReadOnlyList<string> flags, bool copy, bool create)
    {
        if (!copy)
            ImplicitKeep = false;
        Store(mailbox, flags, copy, create, keep: false);
    }

    private void Store(string mailbox, IReadOnlyList<string> flags, bool copy, bool create, bool keep)
    {
        CheckNotRejected("keep / fileinto");
        var index = _actions.FindIndex(a => a switch
        {
            KeepAction => SameMailbox(defaultMailbox, mailbox),
            FileIntoAction f => SameMailbox(f.Mailbox, mailbox),
            _ => false,
        });
        if (index >= 0)
        {
            // A second store into the same mailbox stores once; the later flags are the ones that
            // apply (as Pigeonhole), and :create from either holds.
            _actions[index] = _actions[index] switch
            {
                KeepAction k => k with { Flags = flags },
                FileIntoAction f => f with { Flags = flags, Copy = f.Copy && copy, Create = f.Create || create },
                var other => other,
            };
            return;
        }
        Add(keep ? new KeepAction(flags, Implicit: false) : new FileIntoAction(mailbox, flags, copy, create));
    }

    private static bool SameMailbox(string a, string b) =>
        a == b || (a.Equals("INBOX", StringComparison.OrdinalIgnoreCase) && b.Equals("INBOX", StringComparison.OrdinalIgnoreCase));

    public void Redirect(string address, bool copy)
    {
        CheckNotRejected("redirect");
        if (!copy)
            ImplicitKeep = false;
        var index = _actions.FindIndex(a => a is RedirectAction r && SameAddress(r.Address, address));
        if (index >= 0)
        {
            var existing = (RedirectAction)_actions[index];
            _actions[index] = existing with { Copy = existing.Copy && copy };
            return;
        }
        if (++_redirects > limits.MaxRedirects)
            throw new SieveRuntimeException($"more than {limits.MaxRedirects} redirects");
        Add(new RedirectAction(address, copy));
    }

    /// <summary>The local part is exact, the domain is compared without case.</summary>
    private static bool SameAddress(string a, string b)
    {
        var atA = a.LastIndexOf('@');
        var atB = b.LastIndexOf('@');
        return atA == atB && string.CompareOrdinal(a, 0, b, 0, atA) == 0
            && a[(atA + 1)..].Equals(b[(atB + 1)..], StringComparison.OrdinalIgnoreCase);
    }

    public void Discard()
    {
        ImplicitKeep = false;
        if (!_actions.OfType<DiscardAction>().Any())
            Add(new DiscardAction());
    }

    public void Reject(string reason, bool extended)
    {
        var name = extended ? "ereject" : "reject";
        if (_actions.OfType<RejectAction>().Any())
            throw new SieveRuntimeException($"{name}: the message is already rejected");
        if (_actions.Any(a => a is KeepAction or FileIntoAction or RedirectAction))
            throw new SieveRuntimeException($"{name} conflicts with an earlier keep, fileinto or redirect, which delivers the message");
        if (_actions.OfType<VacationAction>().Any())
            throw new SieveRuntimeException($"{name} conflicts with vacation: both answer the sender");
        ImplicitKeep = false;
        Add(new RejectAction(reason, extended));
    }

    public void Vacation(VacationAction vacation)
    {
        if (_actions.OfType<VacationAction>().Any())
            throw new SieveRuntimeException("vacation may run once per message");
        if (_actions.OfType<RejectAction>().Any())
            throw new SieveRuntimeException("vacation conflicts with reject: both answer the sender");
        Add(vacation);
    }

    private void CheckNotRejected(string what)
    {
        if (_actions.OfType<RejectAction>().Any())
            throw new SieveRuntimeException($"{what} conflicts with the earlier reject");
    }

    private void Add(SieveAction action)
    {
        if (_actions.Count >= limits.MaxActions)
            throw new SieveRuntimeException($"more than {limits.MaxActions} actions");
        _actions.Add(action);
    }
}
