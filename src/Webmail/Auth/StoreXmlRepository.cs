using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Webmail.Core.Storage;

namespace Webmail.Auth;

/// <summary>ASP.NET Core's data-protection keys kept in the shared store (<see cref="IDataProtectionKeyStore"/>, PostgreSQL), not in one node's data directory.</summary>
public sealed class StoreXmlRepository(IDataProtectionKeyStore keys) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements() => [.. keys.GetAllKeys().Select(xml => XElement.Parse(xml))];

    public void StoreElement(XElement element, string friendlyName) =>
        keys.SaveKey(friendlyName, element.ToString(SaveOptions.DisableFormatting));
}
