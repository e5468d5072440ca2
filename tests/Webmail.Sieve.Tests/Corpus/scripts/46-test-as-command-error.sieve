require "fileinto";
if header :is "subject" { keep; }
