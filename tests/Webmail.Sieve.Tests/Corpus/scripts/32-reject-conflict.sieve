# corpus-messages: spam, plain
require ["reject", "fileinto"];
fileinto "Archive";
if exists "x-spam-flag" { reject "Refused."; }
