require "fileinto";
if exists "list-id" { discard; }
fileinto "Filed";
