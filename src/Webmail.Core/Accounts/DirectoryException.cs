namespace Webmail.Core.Accounts;

/// <summary>What kind of refusal a <see cref="DirectoryException"/> is (the admin API answers 400, 404 or 409 by it).</summary>
public enum DirectoryProblem
{
    /// <summary>A value the operator can correct (<see cref="DirectoryException.Field"/> names it when known).</summary>
    Invalid,
    /// <summary>The domain, account, alias or entry named does not exist.</summary>
    NotFound,
    /// <summary>The change clashes with what is there (already exists, still in use).</summary>
    Conflict,
}

/// <summary>An operator request refused, with a one-line reason meant for people.</summary>
/// <param name="field">The input the reason is about, by its API name (<c>address</c>, <c>password</c>, <c>quotaBytes</c>), when there is one.</param>
public sealed class DirectoryException(string message, string? field = null, DirectoryProblem problem = DirectoryProblem.Invalid) : Exception(message)
{
    public string? Field { get; } = field;

    public DirectoryProblem Problem { get; } = problem;
}
