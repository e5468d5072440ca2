require "imap4flags";
addflag ["A", "B"];
if address :domain "from" "example.com" { keep :flags "\\Answered"; }
removeflag "A";
