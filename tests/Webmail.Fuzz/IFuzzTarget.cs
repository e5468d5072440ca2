namespace Webmail.Fuzz;

/// <summary>One input through one path of the system. Throws when the input found a bug: an exception escaping our code, or a broken invariant.</summary>
internal interface IFuzzTarget : IDisposable
{
    void Run(byte[] input);
}
