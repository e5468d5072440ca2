# corpus-messages: plain
# No action at all: the implicit keep files the message into INBOX.
if false { discard; }
