using System.Runtime.InteropServices;

namespace Webmail.Storage;

/// <summary>A message's bytes as the array the stores write, for both providers.</summary>
internal static class RawBytes
{
    /// <summary>The array behind <paramref name="raw"/> when it is a whole one (no copy), else a copy.</summary>
    public static byte[] AsArray(ReadOnlyMemory<byte> raw) =>
        MemoryMarshal.TryGetArray(raw, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length ? segment.Array : raw.ToArray();
}
