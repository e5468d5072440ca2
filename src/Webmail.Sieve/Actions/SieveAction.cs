namespace Webmail.Sieve.Actions;

/// <summary>One thing a script asks the delivery to do with the message.</summary>
public abstract record SieveAction;
