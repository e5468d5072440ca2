require ["fileinto", "copy"];
redirect :copy "watch@example.net";
fileinto :copy "Watched";
if exists "x-spam-flag" { discard; }
if exists "list-id" { keep; }
