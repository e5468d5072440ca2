# corpus-messages: plain
keep;
