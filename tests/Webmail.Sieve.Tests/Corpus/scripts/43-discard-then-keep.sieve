require "fileinto";
discard;
if header :contains "subject" "lunch" { keep; }
