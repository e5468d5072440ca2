require "fileinto";
keep;
fileinto "INBOX";
fileinto "A";
fileinto "B";
fileinto "A";
redirect "x@example.net";
redirect "x@Example.NET";
