namespace Webmail.Sieve.Matching;

/// <summary>The part of an address a test compares (RFC 5228 §2.7.4, RFC 5233 :user / :detail).</summary>
internal enum AddressPart
{
    All,
    LocalPart,
    Domain,
    User,
    Detail,
}
