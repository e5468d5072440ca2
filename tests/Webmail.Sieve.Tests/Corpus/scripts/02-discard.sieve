# corpus-messages: plain
discard;
