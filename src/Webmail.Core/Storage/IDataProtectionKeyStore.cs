namespace Webmail.Core.Storage;

/// <summary>
/// The web's data-protection keys (the XML ASP.NET Core's key manager writes) in the shared store, so a cookie
/// signed on one node is valid on every node (issue 19). Only the PostgreSQL store has it; with SQLite the keys stay
/// in the data directory's <c>keys</c> folder.
/// </summary>
public interface IDataProtectionKeyStore
{
    /// <summary>Every stored key's XML, oldest first.</summary>
    IReadOnlyList<string> GetAllKeys();

    /// <summary>Stores a key under its friendly name; a name stored already keeps its first XML.</summary>
    void SaveKey(string name, string xml);
}
