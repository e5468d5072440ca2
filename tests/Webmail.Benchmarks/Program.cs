// The benchmark harness: `dotnet run -c Release --project tests/Webmail.Benchmarks -- <suite>`.
Console.WriteLine("usage: Webmail.Benchmarks store|smtp|pop3|web|all");
return 0;
