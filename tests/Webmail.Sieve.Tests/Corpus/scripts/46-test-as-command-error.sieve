# corpus-messages: plain
require "fileinto";
if header :is "subject" { keep; }
