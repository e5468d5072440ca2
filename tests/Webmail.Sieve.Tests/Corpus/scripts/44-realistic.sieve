# A filter a user might really write.
require ["fileinto", "imap4flags", "variables", "envelope", "vacation", "relational", "comparator-i;ascii-numeric", "mailbox", "copy"];

if anyof (header :is "x-spam-flag" "yes", header :value "ge" :comparator "i;ascii-numeric" "x-spam-score" "10") {
    setflag "\\Seen";
    fileinto :create "Junk";
    stop;
}
if header :matches "list-id" "*<*.*>*" {
    set :lower "list" "${2}";
    fileinto :create "Lists/${list}";
    stop;
}
if address :is :domain "from" "shop.example" {
    fileinto :copy :flags "$Invoice" "Receipts";
}
if not exists "precedence" {
    vacation :days 14 :subject "Out of office" :addresses ["bob@example.net", "bob+sieve@example.net"]
        "I am out of the office until January.";
}
